/** nmap, when installed: run it, time it, read what it says about each port. */
import { execFileSync, spawn } from 'node:child_process';

export const NMAP_INSTALL_HINT = 'nmap is not installed: its rows are skipped (Debian/Ubuntu: sudo apt-get install -y nmap; macOS: brew install nmap)';

export interface NmapInfo {
  readonly path: string;
  readonly version: string;
}

/** The nmap on PATH (or $NMAP), or null. */
export function findNmap(): NmapInfo | null {
  const path = process.env.NMAP ?? 'nmap';
  try {
    const out = execFileSync(path, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const version = /Nmap version (\S+)/.exec(out)?.[1] ?? 'unknown';
    return { path, version };
  } catch {
    return null;
  }
}

export interface NmapRun {
  /** Wall time of the whole nmap process, start to exit: what a user waits for. */
  readonly wallMs: number;
  /** nmap's own "scanned in N seconds" (excludes its start-up and script loading before the scan). */
  readonly reportedMs: number | null;
  readonly stdout: string;
}

export function runNmap(nmap: NmapInfo, args: readonly string[]): Promise<NmapRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(nmap.path, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.once('error', reject);
    child.once('close', (code) => {
      const wallMs = performance.now() - started;
      if (code !== 0) {
        reject(new Error(`nmap ${args.join(' ')} exited with ${String(code)}: ${stderr.slice(-1000)}`));
        return;
      }
      const seconds = /scanned in ([\d.]+) seconds/.exec(stdout)?.[1];
      resolve({ wallMs, reportedMs: seconds === undefined ? null : Number(seconds) * 1000, stdout });
    });
  });
}

/**
 * Port states from grepable output (`-oG -`): `Host: 127.0.0.1 ()\tPorts: 22/open/tcp//ssh///, ...` and,
 * for the ports it did not list, `Ignored State: closed (2000)`. Returns the listed ports and the
 * state of the ignored ones.
 */
export function parseGrepable(text: string): { states: Map<number, string>; ignoredState: string | null; ignoredCount: number } {
  const states = new Map<number, string>();
  let ignoredState: string | null = null;
  let ignoredCount = 0;
  for (const line of text.split('\n')) {
    const ports = /\tPorts: (.*?)(\t|$)/.exec(line)?.[1];
    if (ports) {
      for (const entry of ports.split(', ')) {
        const [port, state] = entry.trim().split('/');
        if (port && state) states.set(Number(port), state);
      }
    }
    const ignored = /Ignored State: (\S+) \((\d+)\)/.exec(line);
    if (ignored) {
      ignoredState = ignored[1] ?? null;
      ignoredCount += Number(ignored[2]);
    }
  }
  return { states, ignoredState, ignoredCount };
}

/** `port` -> state for every port of a scan, given the ports asked for (ignored ones get the ignored state). */
export function nmapStates(text: string, asked: readonly number[]): Map<number, string> {
  const { states, ignoredState } = parseGrepable(text);
  const out = new Map<number, string>();
  for (const port of asked) out.set(port, states.get(port) ?? ignoredState ?? 'unreported');
  return out;
}

export interface NmapScriptHost {
  readonly address: string;
  readonly state: string | null;
  /** script id -> its output text (XML attribute decoded). */
  readonly scripts: Map<string, string>;
}

/** Per host: the port state and each script's output, from XML output (`-oX -`) with one port per host. */
export function parseXmlScripts(xml: string): NmapScriptHost[] {
  const hosts: NmapScriptHost[] = [];
  for (const block of xml.split('<host ').slice(1)) {
    const address = /<address addr="([^"]+)"/.exec(block)?.[1];
    if (!address) continue;
    const state = /<state state="([^"]+)"/.exec(block)?.[1] ?? null;
    const scripts = new Map<string, string>();
    for (const m of block.matchAll(/<script id="([^"]+)" output="([^"]*)"/g)) scripts.set(m[1] as string, decodeXml(m[2] as string));
    hosts.push({ address, state, scripts });
  }
  return hosts;
}

function decodeXml(text: string): string {
  return text
    .replace(/&#xa;/g, '\n')
    .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}
