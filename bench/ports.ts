/**
 * Loopback ports for the bench: closed ports it has verified nobody listens on, and listeners it
 * starts itself (in-process for the tests, in a child process for the timed runs: bench/listeners.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { REPO_ROOT } from './engine';

/**
 * Ports in LISTEN state on any local address of this network namespace (Linux /proc/net/tcp and tcp6),
 * or null where /proc is not there.
 */
export function listeningPorts(): Set<number> | null {
  const found = new Set<number>();
  let read = false;
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    read = true;
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // sl local_address rem_address st ...; st 0A is LISTEN; local_address is HEXIP:HEXPORT.
      if (fields[3] !== '0A') continue;
      const port = Number.parseInt(fields[1]?.split(':')[1] ?? '', 16);
      if (Number.isInteger(port)) found.add(port);
    }
  }
  return read ? found : null;
}

/** First port of the kernel's ephemeral range (connect() picks local ports from there). */
export function ephemeralStart(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
    const n = Number(low);
    return Number.isInteger(n) && n > 1024 ? n : 32768;
  } catch {
    return 32768;
  }
}

/** Nothing may listen on `host:port`: bind it for a moment (a listener on any address makes that fail). */
export function canBind(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * `count` ports nobody listens on, below the ephemeral range (a connect to a port in that range can,
 * rarely, meet itself: TCP simultaneous open to its own source port would look "open"). Checked
 * against /proc/net/tcp{,6} (every address), and by binding them where /proc is missing.
 */
export async function findClosedPorts(count: number, from = 20_000, exclude: ReadonlySet<number> = new Set()): Promise<number[]> {
  const limit = ephemeralStart();
  const listening = listeningPorts();
  const ports: number[] = [];
  for (let port = from; ports.length < count && port < limit; port++) {
    if (exclude.has(port)) continue;
    if (listening ? listening.has(port) : !(await canBind(port))) continue;
    ports.push(port);
  }
  if (ports.length < count) throw new Error(`only ${ports.length} closed ports found in ${from}-${limit - 1}; ${count} wanted`);
  return ports;
}

/** Which of `ports` something listens on now (to tell an engine mistake from a port taken mid-run). */
export function nowListening(ports: readonly number[]): number[] {
  const listening = listeningPorts();
  return listening ? ports.filter((p) => listening.has(p)) : [];
}

// ---------------------------------------------------------------------------------------------------
// Listeners

export interface OpenListeners {
  /** host -> ports listening there. */
  readonly ports: ReadonlyMap<string, readonly number[]>;
  close(): Promise<void>;
}

/** `perHost` listeners on each host (loopback addresses), in this process; each accept is closed at once. */
export async function startListeners(hosts: readonly string[], perHost: number): Promise<OpenListeners> {
  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  const ports = new Map<string, number[]>();
  for (const host of hosts) {
    const list: number[] = [];
    for (let i = 0; i < perHost; i++) {
      const server = createServer((socket) => {
        sockets.add(socket);
        socket.on('error', () => undefined);
        socket.on('close', () => sockets.delete(socket));
        socket.destroy();
      });
      server.on('error', () => undefined);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port: 0, host, backlog: 1024 }, () => resolve());
      });
      const address = server.address();
      if (address === null || typeof address === 'string') throw new Error('listener has no port');
      list.push(address.port);
      servers.push(server);
    }
    ports.set(host, list);
  }
  return {
    ports,
    close: async () => {
      for (const s of sockets) s.destroy();
      await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
}

export interface ListenerChildSpec {
  /** Plain TCP listeners: `perHost` on each host. */
  readonly tcp?: { readonly hosts: readonly string[]; readonly perHost: number };
  /** TLS MQTT brokers (aedes, anonymous allowed) on `port` of `count` loopback addresses. */
  readonly brokers?: { readonly count: number; readonly port: number };
}

export interface ListenerChildInfo {
  readonly tcp: Record<string, number[]>;
  readonly brokers: { readonly host: string; readonly port: number }[];
  /** Self-signed certificate the brokers present (PEM). */
  readonly cert: string | null;
  readonly retainedTopic: string | null;
}

export interface ListenerChild extends ListenerChildInfo {
  /** Forget the brokers' traffic so far. */
  resetTraffic(): void;
  /** TCP payload bytes the brokers received, and connections they closed, since the last reset. */
  traffic(): Promise<{ bytesIn: number; connections: number }>;
  close(): Promise<void>;
}

/**
 * Starts bench/listeners.ts in a child process: the servers' work (accepting, TLS, MQTT) then runs
 * on a core of its own, the same for portwatch and for nmap, instead of competing with the engine
 * under test for one event loop.
 */
export async function startListenerChild(spec: ListenerChildSpec): Promise<ListenerChild> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'bench', 'listeners.ts'), JSON.stringify(spec)], {
    cwd: REPO_ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const answers: ((line: string) => void)[] = [];
  lines.on('line', (line) => answers.shift()?.(line));
  const info = await new Promise<ListenerChildInfo>((resolve, reject) => {
    answers.push((line) => {
      try {
        resolve(JSON.parse(line) as ListenerChildInfo);
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
    child.once('exit', (code) => reject(new Error(`listener child exited with ${String(code)}: ${stderr.slice(-2000)}`)));
  });
  return {
    ...info,
    resetTraffic: () => {
      child.stdin?.write('reset\n');
    },
    traffic: () =>
      new Promise((resolve) => {
        answers.push((line) => resolve(JSON.parse(line) as { bytesIn: number; connections: number }));
        child.stdin?.write('traffic\n');
      }),
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.stdin?.end();
      await exited;
    },
  };
}
