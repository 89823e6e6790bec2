/**
 * Child process of the bench (started by startListenerChild in ports.ts): plain TCP listeners and TLS
 * MQTT brokers on loopback. Prints one JSON line (ListenerChildInfo) once everything listens, then
 * serves until its stdin closes.
 *
 * The brokers listen on port 8883 of 127.77.0.1, 127.77.0.2, ... (the whole 127/8 is loopback on Linux):
 * on their registered port, nmap's ssl-cert and mqtt-subscribe scripts run and try TLS first, as they
 * would against a real fleet, so the comparison with nmap needs no forcing of its port rules.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createServer as createTlsServer, type Server } from 'node:tls';
import { createBroker } from 'aedes';
import { canBind, startListeners, type ListenerChildInfo, type ListenerChildSpec } from './ports';

export const BROKER_CN = 'portwatch-bench';
export const RETAINED_TOPIC = 'portwatch/bench';

/** A self-signed EC certificate for CN=portwatch-bench naming each broker address (openssl CLI). */
export function selfSignedCert(ips: readonly string[]): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'portwatch-bench-cert-'));
  try {
    execFileSync(
      process.env.OPENSSL ?? 'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '30',
        '-subj', `/CN=${BROKER_CN}`, '-addext', `subjectAltName=${ips.map((ip) => `IP:${ip}`).join(',')}`],
      { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The first 127.N.0.0/24 block (N from 77) whose first `count` addresses all have `port` free. */
async function freeBlock(count: number, port: number): Promise<string[]> {
  for (let n = 77; n < 100; n++) {
    const hosts = Array.from({ length: count }, (_, i) => `127.${n}.0.${i + 1}`);
    const free = await Promise.all(hosts.map((h) => canBind(port, h)));
    if (free.every(Boolean)) return hosts;
  }
  throw new Error(`no 127.N.0.0/24 block has port ${port} free on ${count} addresses`);
}

/** What the brokers received: TCP payload bytes (bytesRead at close) and connections, since the last reset. */
const traffic = { bytesIn: 0, connections: 0 };

async function startBrokers(count: number, port: number): Promise<{ hosts: string[]; cert: string; close: () => Promise<void> }> {
  const hosts = await freeBlock(count, port);
  const tls = selfSignedCert(hosts);
  const broker = createBroker();
  broker.on('clientError', () => undefined);
  broker.on('connectionError', () => undefined);
  // A retained message, so that nmap's mqtt-subscribe has something to print once it is let in.
  await new Promise<void>((resolve) => {
    broker.publish({ cmd: 'publish', topic: RETAINED_TOPIC, payload: Buffer.from('hello'), qos: 0, retain: true, dup: false }, () => resolve());
  });
  const servers: Server[] = [];
  for (const host of hosts) {
    const server = createTlsServer({ key: tls.key, cert: tls.cert }, broker.handle);
    server.on('tlsClientError', () => undefined);
    server.on('error', () => undefined);
    server.on('connection', (socket: Socket) => {
      socket.once('close', () => {
        traffic.bytesIn += socket.bytesRead;
        traffic.connections++;
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port, host, backlog: 1024 }, () => resolve());
    });
    servers.push(server);
  }
  return {
    hosts,
    cert: tls.cert,
    close: async () => {
      await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
      await new Promise<void>((r) => broker.close(() => r()));
    },
  };
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '{}') as ListenerChildSpec;
  const tcp = spec.tcp ? await startListeners(spec.tcp.hosts, spec.tcp.perHost) : null;
  const brokers = spec.brokers ? await startBrokers(spec.brokers.count, spec.brokers.port) : null;
  const info: ListenerChildInfo = {
    tcp: Object.fromEntries([...(tcp?.ports ?? new Map<string, readonly number[]>())].map(([h, p]) => [h, [...p]])),
    brokers: (brokers?.hosts ?? []).map((host) => ({ host, port: spec.brokers?.port ?? 0 })),
    cert: brokers?.cert ?? null,
    retainedTopic: brokers ? RETAINED_TOPIC : null,
  };
  process.stdout.write(`${JSON.stringify(info)}\n`);
  // Commands, one per line: `traffic` answers with the brokers' traffic since the last `reset`.
  createInterface({ input: process.stdin }).on('line', (line) => {
    if (line === 'reset') {
      traffic.bytesIn = 0;
      traffic.connections = 0;
    } else if (line === 'traffic') process.stdout.write(`${JSON.stringify(traffic)}\n`);
  });
  process.stdin.once('end', () => {
    // Close what can be closed quickly; a straggling connection must not keep the bench waiting.
    void Promise.all([tcp?.close(), brokers?.close()]).finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  });
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
