/**
 * Network namespaces for vantage-point tests (`portwatch local --vantage`): namespaces `pw<pid>a`,
 * `pw<pid>b`, ... each joined to the root namespace by a veth pair on its own /30 (10.231.X.4i/30:
 * root side .4i+1, namespace side .4i+2, default route via the root side), so a broker bound to a
 * root-side address is reached from every namespace. `block` adds an iptables rule inside one
 * namespace (REJECT with tcp-reset: the port looks closed; DROP: filtered). Everything is removed in
 * afterAll, on failure too (deleting a namespace deletes its veth end and its rules). Needs root, `ip`
 * and `iptables`: `describeWithNetns` skips its suite, with the reason, where one is missing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { findExecutable } from '../../lib/cli/executable';

/** Why namespaces cannot be made here, or null when they can. */
export function netnsUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'not root (network namespaces and iptables need root; CI runs as root)';
  if (findExecutable('ip') === null) return 'the `ip` command is missing (Debian package iproute2)';
  if (findExecutable('iptables') === null) return 'the `iptables` command is missing (Debian package iptables)';
  return null;
}

/** How a blocked namespace sees the port: `closed` (REJECT with tcp-reset) or `filtered` (DROP). */
export type BlockMode = 'closed' | 'filtered';

export interface Netns {
  readonly name: string;
  /** The root side of its veth pair: bind a server here and every namespace reaches it. */
  readonly hostAddress: string;
  /** Its own address. */
  readonly address: string;
}

export interface NetnsLab {
  readonly spaces: readonly Netns[];
  /** Inside namespace `i`, TCP to `address:port` is refused (closed) or dropped (filtered), until `unblock`. */
  block(i: number, address: string, port: number, mode: BlockMode): void;
  /** Removes the rules `block` added in namespace `i` (those for `port` only, when given). */
  unblock(i: number, port?: number): void;
  /** Deletes the namespaces (and with them their veth pairs and rules). Safe to call twice. */
  remove(): void;
}

function run(command: string, args: readonly string[]): void {
  execFileSync(command, [...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** One /30 per namespace inside 10.231.X.0/24, X from the pid, so parallel test files do not meet. */
export function createNetnsLab(count: number, prefix = `pw${process.pid}`): NetnsLab {
  const third = process.pid % 250;
  const spaces: Netns[] = [];
  const made: string[] = [];
  const remove = (): void => {
    for (const name of made.splice(0)) {
      if (existsSync(`/run/netns/${name}`)) {
        try {
          run('ip', ['netns', 'del', name]);
        } catch {
          // already gone
        }
      }
    }
  };
  // A test process killed between create and afterAll still leaves nothing behind.
  process.once('exit', remove);
  try {
    for (let i = 0; i < count; i++) {
      const name = `${prefix}${String.fromCharCode(97 + i)}`;
      const [host, inside] = [`10.231.${third}.${4 * i + 1}`, `10.231.${third}.${4 * i + 2}`];
      if (existsSync(`/run/netns/${name}`)) run('ip', ['netns', 'del', name]);
      run('ip', ['netns', 'add', name]);
      made.push(name);
      run('ip', ['link', 'add', `${name}0`, 'type', 'veth', 'peer', 'name', `${name}1`]);
      run('ip', ['link', 'set', `${name}1`, 'netns', name]);
      run('ip', ['addr', 'add', `${host}/30`, 'dev', `${name}0`]);
      run('ip', ['link', 'set', `${name}0`, 'up']);
      const inNs = (...args: string[]): void => run('ip', ['netns', 'exec', name, ...args]);
      inNs('ip', 'addr', 'add', `${inside}/30`, 'dev', `${name}1`);
      inNs('ip', 'link', 'set', `${name}1`, 'up');
      inNs('ip', 'link', 'set', 'lo', 'up');
      inNs('ip', 'route', 'add', 'default', 'via', host);
      spaces.push({ name, hostAddress: host, address: inside });
    }
  } catch (err) {
    remove();
    throw err;
  }
  const rules = new Map<number, string[][]>();
  return {
    spaces,
    block: (i, address, port, mode) => {
      const space = spaces[i];
      if (space === undefined) throw new Error(`no namespace ${i}`);
      const rule = ['OUTPUT', '-p', 'tcp', '-d', address, '--dport', String(port), '-j', ...(mode === 'closed' ? ['REJECT', '--reject-with', 'tcp-reset'] : ['DROP'])];
      run('ip', ['netns', 'exec', space.name, 'iptables', '-A', ...rule]);
      rules.set(i, [...(rules.get(i) ?? []), rule]);
    },
    unblock: (i, port) => {
      const space = spaces[i];
      const [gone, kept] = [[] as string[][], [] as string[][]];
      for (const rule of rules.get(i) ?? []) (port === undefined || rule[6] === String(port) ? gone : kept).push(rule);
      for (const rule of gone) if (space) run('ip', ['netns', 'exec', space.name, 'iptables', '-D', ...rule]);
      rules.set(i, kept);
    },
    remove: () => {
      process.off('exit', remove);
      remove();
    },
  };
}

/**
 * `describe` with a lab of `count` namespaces made in beforeAll and removed in afterAll; where
 * namespaces cannot be made, `describe.skip` with the reason printed.
 */
export function describeWithNetns(name: string, count: number, fn: (lab: () => NetnsLab) => void): void {
  const missing = netnsUnavailable();
  if (missing !== null) {
    console.warn(`${name}: skipped, ${missing}`);
    describe.skip(name, () => fn(() => {
      throw new Error('skipped');
    }));
    return;
  }
  describe(name, () => {
    let lab: NetnsLab | null = null;
    beforeAll(() => {
      lab = createNetnsLab(count);
    });
    afterAll(() => lab?.remove());
    fn(() => {
      if (lab === null) throw new Error('the namespaces were not made (see beforeAll)');
      return lab;
    });
  });
}
