import { Command, CommanderError } from 'commander';
import { EXIT_OK, EXIT_USAGE, UsageError, type CommandRegistrar } from './cli-io';
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
];

function buildProgram(): Command {
  const program = new Command('portwatch')
    .description('Watch the Secure MQTT port (TCP 8883) of your hosts and alert once when it opens or closes.')
    .showHelpAfterError()
    .exitOverride();
  for (const register of REGISTRARS) register(program);
  return program;
}

/** Runs the CLI and resolves to the process exit code (0 ok, 1 a probe or run failed, 2 bad usage). */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit through here with code 0; everything else commander rejects is usage.
      return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`portwatch: ${err.message}\n`);
      return EXIT_USAGE;
    }
    throw err;
  }
}
