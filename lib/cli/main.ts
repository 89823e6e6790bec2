import { Command, CommanderError } from 'commander';
// Imported, not read from disk at run time: a bundler (esbuild) inlines the JSON, so `--version`
// survives bundling where a path relative to this file would not exist.
import { version } from '../../package.json';
import { EXIT_OK, EXIT_USAGE, UsageError, type CommandRegistrar } from './cli-io';
import { registerDiscoverCommand } from './discover-command';
import { registerHistoryCommand } from './history-command';
import { registerLocalCommand } from './local-command';
import { registerMuteCommand } from './mute-command';
import { registerProbeCommand } from './probe-command';
import { registerRepairCommand } from './repair-command';
import { registerStatusCommand } from './status-command';
import { registerTargetsCommand } from './targets-command';

/** Each subcommand lives in its own file and registers itself here. */
const REGISTRARS: readonly CommandRegistrar[] = [
  registerProbeCommand,
  registerLocalCommand,
  registerTargetsCommand,
  registerStatusCommand,
  registerHistoryCommand,
  registerMuteCommand,
  registerRepairCommand,
  registerDiscoverCommand,
];

const PROGRAM_HELP = `
Examples:
  $ portwatch probe broker.example.com 203.0.113.10:8883
  $ portwatch local --targets targets.txt
  $ portwatch targets add broker.example.com --expect closed --stack Portwatch
  $ portwatch status --stack Portwatch

Each command has its own options and examples: portwatch COMMAND --help.

Exit codes: 0 ok, 1 a probe or run failed, 2 bad usage or input`;

function buildProgram(): Command {
  const program = new Command('portwatch')
    .description('Watch the Secure MQTT port (TCP 8883) of your hosts and alert once when it opens or closes.')
    .version(version, '-V, --version', 'print the version of portwatch')
    // Set before the subcommands are added, which copy it: commander's own errors are printed by
    // main() below, on one line, never followed by the whole --help.
    .configureOutput({ outputError: () => undefined })
    .exitOverride()
    .addHelpText('after', PROGRAM_HELP);
  for (const register of REGISTRARS) register(program);
  return program;
}

/** Follows commander's dispatch, so an error can point at the --help of the command that was run. */
function trackDispatch(program: Command): () => Command {
  let running = program;
  const watch = (command: Command): void => {
    if (command.commands.length === 0) return;
    command.hook('preSubcommand', (_parent, sub) => {
      running = sub;
    });
    command.commands.forEach(watch);
  };
  watch(program);
  return () => running;
}

function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c !== null; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/**
 * Commander's own errors (unknown option or command, a missing value) in the house style of a
 * UsageError, on one line: `--bogus: not an option of portwatch local (did you mean --json?)`.
 * Any other message keeps commander's words, folded onto one line.
 */
export function commanderMessage(err: CommanderError, command: string): string {
  const [first = '', ...rest] = err.message.replace(/^error: /, '').split('\n');
  const meant = /^\(Did you mean (.+)\?\)$/.exec(rest.join(' ').trim());
  const suggestion = meant ? ` (did you mean ${meant[1]}?)` : '';
  const quoted = /'([^']*)'/.exec(first)?.[1];
  if (quoted !== undefined) {
    switch (err.code) {
      case 'commander.unknownOption':
        return `${quoted}: not an option of ${command}${suggestion}`;
      case 'commander.unknownCommand':
        return `${JSON.stringify(quoted)}: not a command of ${command}${suggestion}`;
      case 'commander.optionMissingArgument':
        return `${quoted.split(/[ ,]/)[0] ?? quoted}: needs a value`;
      case 'commander.missingArgument':
        return `${quoted.toUpperCase()}: missing (a required argument)`;
    }
  }
  return `${first}${suggestion || (rest.length > 0 ? ` ${rest.join(' ')}` : '')}`;
}

function usageError(message: string, command: Command, pointToHelp = true): number {
  process.stderr.write(`portwatch: ${message}\n${pointToHelp ? `run ${commandPath(command)} --help for usage\n` : ''}`);
  return EXIT_USAGE;
}

/** Runs the CLI and resolves to the process exit code (0 ok, 1 a probe or run failed, 2 bad usage). */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  const running = trackDispatch(program);
  try {
    await program.parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit through here with code 0.
      if (err.exitCode === 0) return EXIT_OK;
      // A command named without its subcommand (`portwatch targets`): commander printed its help.
      if (err.code === 'commander.help') return EXIT_USAGE;
      return usageError(commanderMessage(err, commandPath(running())), running());
    }
    if (err instanceof UsageError) return usageError(err.message, running(), err.pointToHelp);
    throw err;
  }
}
