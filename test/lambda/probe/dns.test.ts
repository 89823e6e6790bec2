import { createCachingResolver, resolveHost, systemResolver } from '../../../lambda/probe/dns';
import type { Resolver } from '../../../lambda/probe/types';

describe('systemResolver', () => {
  it.each([
    ['127.0.0.1', { address: '127.0.0.1', family: 4 }],
    ['::1', { address: '::1', family: 6 }],
    ['[::1]', { address: '::1', family: 6 }],
  ])('answers the IP literal %s itself, without DNS', async (host, expected) => {
    // Act
    const addresses = await systemResolver(host);

    // Assess
    expect(addresses).toEqual([expected]);
  });
});

describe('createCachingResolver', () => {
  it('looks each host up once, whatever the case and however many callers at once', async () => {
    // Prepare
    const calls: string[] = [];
    const inner: Resolver = async (host) => {
      calls.push(host);
      return [{ address: '127.0.0.1', family: 4 }];
    };
    const cached = createCachingResolver(inner);

    // Act
    const answers = await Promise.all([cached('Broker.Example'), cached('broker.example'), cached('broker.example')]);

    // Assess
    expect(calls).toEqual(['Broker.Example']);
    expect(answers).toEqual([answers[0], answers[0], answers[0]]);
  });

  it('caches failures too: a dead name costs one lookup per tick', async () => {
    // Prepare
    let calls = 0;
    const inner: Resolver = async () => {
      calls++;
      throw Object.assign(new Error('NXDOMAIN'), { code: 'ENOTFOUND' });
    };
    const cached = createCachingResolver(inner);

    // Act
    const first = cached('nonexistent.invalid');
    const second = cached('nonexistent.invalid');

    // Assess
    await expect(first).rejects.toMatchObject({ code: 'ENOTFOUND' });
    await expect(second).rejects.toMatchObject({ code: 'ENOTFOUND' });
    expect(calls).toBe(1);
  });

  it('a new wrapper (a new tick) looks up again', async () => {
    // Prepare
    let calls = 0;
    const inner: Resolver = async () => {
      calls++;
      return [{ address: '::1', family: 6 }];
    };

    // Act
    await createCachingResolver(inner)('a.example');
    await createCachingResolver(inner)('a.example');

    // Assess
    expect(calls).toBe(2);
  });
});

describe('resolveHost', () => {
  it.each([
    ['ENOTFOUND', 'DNS ENOTFOUND for nonexistent.invalid'],
    ['EAI_AGAIN', 'DNS EAI_AGAIN for nonexistent.invalid'],
  ])('names the DNS error code %s', async (code, reason) => {
    // Prepare
    const failing: Resolver = async () => {
      throw Object.assign(new Error(code), { code });
    };

    // Act
    const result = await resolveHost(failing, 'nonexistent.invalid', 1000);

    // Assess
    expect(result).toEqual({ ok: false, reason });
  });

  it('gives up on a resolver that never answers', async () => {
    // Prepare
    const hanging: Resolver = () => new Promise(() => undefined);

    // Act
    const result = await resolveHost(hanging, 'slow.example', 50);

    // Assess
    expect(result).toEqual({ ok: false, reason: 'DNS: no answer for slow.example within 50 ms' });
  });

  it('reports a name without addresses', async () => {
    // Act
    const result = await resolveHost(async () => [], 'empty.example', 1000);

    // Assess
    expect(result).toEqual({ ok: false, reason: 'DNS: no A or AAAA address for empty.example' });
  });
});
