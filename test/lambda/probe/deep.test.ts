import { Budget } from '../../../lambda/probe/budget';
import { probeDeep, type DeepContext } from '../../../lambda/probe/deep';
import { createLimiter } from '../../../lambda/probe/limiter';
import { timed } from '../../helpers/probe-fixtures';
import { silentServer, useServers } from '../../helpers/servers';

/** Far longer than any budget below: a probe that waited for it would show. */
const TIMEOUT_MS = 5000;

describe('probeDeep within its time budget', () => {
  const listen = useServers();

  function context(port: number, budgetMs: number): DeepContext {
    return {
      host: '127.0.0.1',
      port,
      address: { address: '127.0.0.1', family: 4 },
      depth: 'mqtt',
      timeoutMs: TIMEOUT_MS,
      now: new Date(),
      sockets: createLimiter(4),
      budget: new Budget(budgetMs),
    };
  }

  it('cuts the ClientHello wait to what the budget has left, not the phase timeout', async () => {
    // Prepare
    const server = await listen(silentServer());

    // Act
    const { value, elapsedMs } = await timed(() => probeDeep(context(server.port, 300)));

    // Assess: the wait named in the reason is the budget's remainder (the connect took a little of it).
    const waited = /^no TLS: no reply to the ClientHello within (\d+) ms$/.exec(value.reason);
    expect(waited).not.toBeNull();
    expect(Number(waited?.[1])).toBeGreaterThan(200);
    expect(Number(waited?.[1])).toBeLessThanOrEqual(300);
    expect(value.tls).toMatchObject({ version: null, legacyTls: null, reason: value.reason });
    expect(value.mqtt).toBeNull();
    expect(elapsedMs).toBeLessThan(1500);
    expect(server.stats.accepted).toBe(1);
  });

  it('starts no connection when the budget is already spent', async () => {
    // Prepare
    const server = await listen(silentServer());

    // Act
    const { value, elapsedMs } = await timed(() => probeDeep(context(server.port, 0)));

    // Assess
    expect(value).toEqual({ tls: null, mqtt: null, reason: 'TLS not tried: probe time budget spent' });
    expect(elapsedMs).toBeLessThan(100);
    expect(server.stats.accepted).toBe(0);
  });
});
