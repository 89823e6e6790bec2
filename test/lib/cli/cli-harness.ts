import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { main } from '../../../lib/cli/main';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

type Write = typeof process.stdout.write;

function capture(stream: NodeJS.WriteStream, sink: string[]): () => void {
  const original = stream.write;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    sink.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString());
    const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  }) as Write;
  return () => {
    stream.write = original;
  };
}

/**
 * Runs the real CLI entry point (`main`, as bin/portwatch.js does) in this process, capturing
 * stdout and stderr; an uncaught error becomes exit 1 with its message, as in bin/portwatch.js.
 */
export async function runCli(args: readonly string[]): Promise<CliResult> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const restoreOut = capture(process.stdout, stdout);
  const restoreErr = capture(process.stderr, stderr);
  process.exitCode = undefined;
  let code: number;
  try {
    code = await main(['node', 'portwatch', ...args]);
  } catch (err) {
    stderr.push(`portwatch: ${err instanceof Error ? err.message : String(err)}\n`);
    code = 1;
  } finally {
    restoreOut();
    restoreErr();
    process.exitCode = undefined;
  }
  return { code, stdout: stdout.join(''), stderr: stderr.join('') };
}

export const BIN = join(__dirname, '../../../bin/portwatch.js');

/** Runs `node bin/portwatch.js ARGS` as a child process, as a user would. */
export function runBin(args: readonly string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** A loopback TCP port the test opens and closes at will; connections are accepted and dropped. */
export class LoopbackPort {
  private server: Server | null = null;

  private constructor(readonly port: number) {}

  /** Reserves a free port (by binding and releasing it) and leaves it closed. */
  static async reserve(): Promise<LoopbackPort> {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    return new LoopbackPort(port);
  }

  async open(): Promise<void> {
    if (this.server) return;
    const server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', resolve);
    });
    this.server = server;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** stdout lines parsed as JSON; fails the test on any line that is not JSON. */
export function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
