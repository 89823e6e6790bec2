import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server as TlsServer, TLSSocket } from 'node:tls';
import { selfSignedKeyPair } from '../../helpers/certs';
import { listen, tlsServer } from '../../helpers/servers';
import { jsonLines, runCli } from './cli-harness';

/**
 * `portwatch local` against a real TLS listener whose certificate is replaced between ticks (a new
 * key, as when a broker is swapped or a proxy steps in): one cert-changed alert, and the change in
 * `portwatch history`.
 */
describe('portwatch local: a certificate replaced between ticks', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'portwatch-certchg-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('alerts once (cert-changed, new key) and history shows it', async () => {
    // Prepare: two self-signed certificates for the same names, each with its own key (the second
    // expiring later, so the key alone makes it no renewal): the same findings either way, so only
    // the certificate rule can tell them apart.
    const first = selfSignedKeyPair('/CN=localhost', 'DNS:localhost,IP:127.0.0.1');
    const second = selfSignedKeyPair('/CN=localhost', 'DNS:localhost,IP:127.0.0.1', 60);
    const server = tlsServer({ ...first }) as TlsServer;
    let swapAt = Infinity;
    let swapped = false;
    server.on('secureConnection', (socket: TLSSocket) => {
      socket.on('error', () => undefined);
      // Half an interval after the first handshake: tick 1 (and any confirmation) is over, tick 2 is to come.
      if (swapAt === Infinity) swapAt = Date.now() + 500;
    });
    const swapper = setInterval(() => {
      if (!swapped && Date.now() >= swapAt) {
        server.setSecureContext({ ...second });
        swapped = true;
      }
    }, 10);
    const running = await listen(server);
    const target = `127.0.0.1:${running.port}`;
    const state = join(dir, 'state');
    try {
      // Act
      const result = await runCli(['local', `${target} depth=tls`, '--interval', '1s', '--ticks', '3', '--state', state, '--json', '--timeout', '2000', '--confirm-delay', '0']);
      const history = await runCli(['history', target, '--state', state]);
      const historyJson = await runCli(['history', target, '--state', state, '--json']);

      // Assess
      expect(result.code).toBe(0);
      expect(swapped).toBe(true);
      const alerts = jsonLines(result.stdout);
      expect(alerts.map((a) => [a.event, a.severity, (a.certChange as { reasons: string[] } | undefined)?.reasons])).toEqual([['cert-changed', 'warning', ['new-key']]]);
      expect(history.stdout).toMatch(/cert-changed +[0-9A-F:]{11} -> [0-9A-F:]{11} \(new key\)/);
      expect(jsonLines(historyJson.stdout).map((e) => `${e.kind} ${e.alerted}`)).toEqual(['cert-changed true', 'baseline false']);
    } finally {
      clearInterval(swapper);
      await running.close();
    }
  });
});
