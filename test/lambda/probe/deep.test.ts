import { Budget } from '../../../lambda/probe/budget';
import { probeDeep, type DeepContext } from '../../../lambda/probe/deep';
import { createLimiter } from '../../../lambda/probe/limiter';
import { usePki } from '../../helpers/certs';
import { timed } from '../../helpers/probe-fixtures';
import { silentServer, tlsServer, useServers } from '../../helpers/servers';

/** Far longer than any budget below: a probe that waited for it would show. */
const TIMEOUT_MS = 5000;

describe('probeDeep within its time budget', () => {
  const listen = useServers();
  const pki = usePki();

  function context(port: number, budgetMs: number, clock?: () => number): DeepContext {
    return {
      host: '127.0.0.1',
      port,
      address: { address: '127.0.0.1', family: 4 },
      depth: 'mqtt',
      // The plaintext check has its own tests (posture.test.ts); these are about the budget alone.
      plaintextPort: null,
      connectLatencyMs: 1,
      timeoutMs: TIMEOUT_MS,
      now: new Date(),
      sockets: createLimiter(4),
      budget: new Budget(budgetMs, clock),
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

  it('starts no client-certificate check when the hang-up leaves too little of the budget', async () => {
    // Prepare: TLS 1.3, then a hang-up on the CONNECT. The budget's clock jumps 4.99 s when the
    // CONNECT arrives, so the hang-up comes with less than MIN_PHASE_MS left, whatever the machine's speed.
    let jumped = 0;
    const clock = (): number => performance.now() + jumped;
    const server = await listen(
      tlsServer({ key: pki().trusted.key, cert: pki().trusted.cert }, (socket) =>
        socket.once('data', () => {
          jumped = 4990;
          socket.destroy();
        }),
      ),
    );

    // Act
    const value = await probeDeep(context(server.port, TIMEOUT_MS, clock));

    // Assess: the MQTT session alone; neither the check nor the legacy check had time to start.
    expect(value.tls).toMatchObject({ version: 'TLSv1.3', clientCertRequired: false, legacyTls: null });
    expect(value.mqtt?.reason).toMatch(/before CONNACK$/);
    expect(value.reason).toMatch(/legacy TLS not determined: not tried: probe time budget spent$/);
    expect(server.stats.accepted).toBe(1);
  });

  it('starts no connection when the budget is already spent', async () => {
    // Prepare
    const server = await listen(silentServer());

    // Act
    const { value, elapsedMs } = await timed(() => probeDeep(context(server.port, 0)));

    // Assess
    expect(value).toEqual({ tls: null, mqtt: null, plaintextListener: null, reason: 'TLS not tried: probe time budget spent' });
    expect(elapsedMs).toBeLessThan(100);
    expect(server.stats.accepted).toBe(0);
  });
});
