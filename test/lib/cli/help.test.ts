import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { version } from '../../../package.json';
import { runBin, runCli } from './cli-harness';

/**
 * Every `--help`: examples to copy, and what the exit codes mean. The texts come from the CLI's entry
 * point in this process (a process per command cost seconds of the suite); the top-level help and
 * --version come from the bin entry, as a user gets them, and read the same. The list of commands is checked against what `--help` itself names, so a new command cannot
 * be added without its help being held to this.
 */
const COMMANDS: readonly (readonly string[])[] = [
  [],
  ['probe'],
  ['local'],
  ['targets'],
  ['targets', 'add'],
  ['targets', 'remove'],
  ['targets', 'list'],
  ['targets', 'import'],
  ['status'],
  ['history'],
  ['mute'],
  ['unmute'],
  ['repair'],
  ['discover'],
];

/** The subcommand names a help text lists under "Commands:", without commander's own `help`. */
function listedCommands(help: string): string[] {
  const section = help.split('\nCommands:\n')[1]?.split('\n\n')[0] ?? '';
  return [...section.matchAll(/^ {2}([a-z][\w-]*)/gm)].map((m) => m[1] as string).filter((name) => name !== 'help');
}

describe('portwatch --help', () => {
  let cwd: string;
  let home: string;
  beforeAll(() => {
    // A command that ignored --help would run here, not in the repository.
    cwd = mkdtempSync(join(tmpdir(), 'portwatch-help-'));
    home = process.cwd();
    process.chdir(cwd);
  });
  afterAll(() => {
    process.chdir(home);
    rmSync(cwd, { recursive: true, force: true });
  });

  it('the list above covers every command the help names', async () => {
    // Act
    const top = await runCli(['--help']);
    const targets = await runCli(['targets', '--help']);
    // Assess
    const named = [[], ...listedCommands(top.stdout).map((c) => [c]), ...listedCommands(targets.stdout).map((c) => ['targets', c])];
    expect(named.map((c) => c.join(' ')).sort()).toEqual(COMMANDS.map((c) => c.join(' ')).sort());
  });

  it.each(COMMANDS.map((c) => [c.join(' ') || '(top level)', c] as const))('%s --help has examples and exit codes', async (_name, command) => {
    // Act
    const help = await runCli([...command, '--help']);
    // Assess
    expect(help).toMatchObject({ code: 0, stderr: '' });
    const examples = help.stdout.split('\nExamples:\n')[1];
    expect(examples).toBeDefined();
    expect(examples).toMatch(new RegExp(`^ {2}\\$ portwatch ${command.join(' ')}`));
    expect(help.stdout).toMatch(/\nExit codes: 0 [^\n]+, 1 [^\n]+, 2 [^\n]+/);
  });

  it('ends with examples and the exit codes at the top level', async () => {
    // Act
    const help = await runBin(['--help'], { cwd });
    // Assess
    expect(help).toEqual(await runCli(['--help']));
    expect(help.stdout).toMatch(/\nExamples:\n( {2}\$ portwatch .+\n)+\n/);
    expect(help.stdout.endsWith('\nExit codes: 0 ok, 1 a probe or run failed, 2 bad usage or input\n')).toBe(true);
  });

  it('--version prints the version of package.json', async () => {
    // Act
    const result = await runBin(['--version'], { cwd });
    // Assess
    expect(result).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });
});
