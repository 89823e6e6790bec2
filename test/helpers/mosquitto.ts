/**
 * A real mosquitto for probe tests (Debian's package `mosquitto`): a config written to a temp dir, a
 * listener on a free loopback port, started per test and stopped after it. Where the binary is not
 * installed, `describeWithMosquitto` skips its suite and says which package would run it.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findExecutable } from '../../lib/cli/executable';

/** The Debian package that holds the broker and mosquitto_passwd. */
export const MOSQUITTO_PACKAGE = 'mosquitto';

/** How long a started mosquitto may take to listen before the test fails. */
const START_MS = 5000;
/** A free port can be taken between our probe of it and mosquitto's bind: try again on another. */
const START_ATTEMPTS = 3;

export function mosquittoPath(): string | null {
  return findExecutable('mosquitto');
}

export interface MosquittoTls {
  readonly cert: string;
  readonly key: string;
  /** PEM of the CA that client certificates must chain to; required with `requireCertificate`. */
  readonly ca?: string;
  /** `require_certificate true`: a client without a certificate is refused in the TLS handshake. */
  readonly requireCertificate?: boolean;
  /** mosquitto `ciphers` (TLS 1.2 and older suites, OpenSSL syntax, `@SECLEVEL=0` allowed). */
  readonly ciphers?: string;
  /** mosquitto `tls_version`: `tlsv1.2` caps the listener at TLS 1.2. */
  readonly tlsVersion?: string;
}

export interface MosquittoOptions {
  /** Absent: MQTT in clear. */
  readonly tls?: MosquittoTls;
  /**
   * `anonymous`: `allow_anonymous true`. `password`: `allow_anonymous false` and a password file with
   * one user (made by mosquitto_passwd when installed; without one, mosquitto refuses every client the
   * same way, so anonymous probes see the same CONNACK).
   */
  readonly auth: 'anonymous' | 'password';
  /** Also a listener in clear on another loopback port (the plaintext listener beside the TLS one). */
  readonly plaintextListener?: boolean;
  /** The address the listeners bind (a veth address a network namespace reaches, test/helpers/netns.ts). @default 127.0.0.1 */
  readonly host?: string;
}

export interface RunningMosquitto {
  readonly port: number;
  /** The second, plaintext listener's port, when asked for. */
  readonly plaintextPort: number | null;
  /** What mosquitto logged so far (stderr), for failure messages. */
  log(): string;
  close(): Promise<void>;
}

/** A loopback port nothing listens on now (bound, then released). */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function listening(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Writes the config and the files it names into `dir`. Everything is world-readable: mosquitto started
 * as root drops to the `mosquitto` user before it reads certificates and the password file.
 */
function writeConfig(dir: string, port: number, options: MosquittoOptions, plaintextPort: number | null): string {
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text, { mode: 0o644 });
    return path;
  };
  const host = options.host ?? '127.0.0.1';
  const lines = [`listener ${port} ${host}`, 'persistence false', 'log_dest stderr', 'log_type error warning notice information'];
  if (options.auth === 'anonymous') lines.push('allow_anonymous true');
  else {
    lines.push('allow_anonymous false');
    const passwd = findExecutable('mosquitto_passwd');
    if (passwd) {
      const path = join(dir, 'passwd');
      execFileSync(passwd, ['-b', '-c', path, 'portwatch-test', 'not-the-probe'], { stdio: ['ignore', 'ignore', 'pipe'] });
      chmodSync(path, 0o644);
      lines.push(`password_file ${path}`);
    }
  }
  const tls = options.tls;
  if (tls) {
    lines.push(`certfile ${file('server.crt', tls.cert)}`, `keyfile ${file('server.key', tls.key)}`);
    if (tls.ca !== undefined) lines.push(`cafile ${file('ca.crt', tls.ca)}`);
    if (tls.requireCertificate) lines.push('require_certificate true');
    if (tls.ciphers !== undefined) lines.push(`ciphers ${tls.ciphers}`);
    if (tls.tlsVersion !== undefined) lines.push(`tls_version ${tls.tlsVersion}`);
  }
  // Last: certfile and the like apply to the listener above them, so this one stays in clear.
  if (plaintextPort !== null) lines.push(`listener ${plaintextPort} ${host}`);
  return file('mosquitto.conf', `${lines.join('\n')}\n`);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
  await exited;
  clearTimeout(timer);
}

/** Starts mosquitto and resolves once it accepts connections. Throws with its log when it does not. */
export async function startMosquitto(options: MosquittoOptions): Promise<RunningMosquitto> {
  const binary = mosquittoPath();
  if (binary === null) throw new Error(`mosquitto is not installed (Debian package ${MOSQUITTO_PACKAGE})`);
  const dir = mkdtempSync(join(tmpdir(), 'portwatch-mosquitto-'));
  const removeDir = (): void => rmSync(dir, { recursive: true, force: true });
  let lastLog = '';
  try {
    chmodSync(dir, 0o755);
    for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
      const host = options.host ?? '127.0.0.1';
      const port = await freePort(host);
      const plaintextPort = options.plaintextListener ? await freePort(host) : null;
      const child = spawn(binary, ['-c', writeConfig(dir, port, options, plaintextPort)], { stdio: ['ignore', 'ignore', 'pipe'] });
      let log = '';
      child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
      const until = Date.now() + START_MS;
      let up = false;
      while (!up && child.exitCode === null && Date.now() < until) {
        up = (await listening(port, host)) && (plaintextPort === null || (await listening(plaintextPort, host)));
        if (!up) await new Promise((r) => setTimeout(r, 20));
      }
      if (up && child.exitCode === null) {
        return { port, plaintextPort, log: () => log, close: () => stop(child).then(removeDir) };
      }
      await stop(child);
      lastLog = log;
    }
  } catch (err) {
    removeDir();
    throw err;
  }
  removeDir();
  throw new Error(`mosquitto did not start listening within ${START_MS} ms (${START_ATTEMPTS} attempts); its log:\n${lastLog}`);
}

/**
 * Starts brokers for the calling suite and stops every one of them after each test (afterEach), so a
 * failed assertion cannot leave a mosquitto running.
 */
export function useMosquitto(): (options: MosquittoOptions) => Promise<RunningMosquitto> {
  const running: RunningMosquitto[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((m) => m.close()));
  });
  return async (options) => {
    const started = await startMosquitto(options);
    running.push(started);
    return started;
  };
}

/** `describe` when mosquitto is installed; otherwise `describe.skip`, with a note naming the package. */
export function describeWithMosquitto(name: string, fn: () => void): void {
  if (mosquittoPath() !== null) {
    describe(name, fn);
    return;
  }
  console.warn(`${name}: skipped, mosquitto is not installed (apt-get install ${MOSQUITTO_PACKAGE})`);
  describe.skip(name, fn);
}
