/** `portwatch repair`: rebuilds the damaged embedded database of a local state directory. */
import type { Command } from 'commander';
import { DEFAULT_STATE_DIR, repairLocalState } from './state-dir';
import type { CommandRegistrar } from './cli-io';
import { CliOutput } from './output';

interface RepairOptions {
  readonly state: string;
  readonly json?: boolean;
}

async function runRepair(options: RepairOptions): Promise<void> {
  const out = new CliOutput(options.json === true);
  const report = await repairLocalState(options.state, (message) => out.note(message));
  if (out.json) out.data({ state: options.state, ...report });
  else if (!report.repaired) out.line(`the database in ${options.state} opens fine; nothing to repair`);
  else out.line(`repaired the database in ${options.state} (it was: ${report.detail}); the damaged files are kept in ${report.backup}`);
}

export const registerRepairCommand: CommandRegistrar = (program: Command) => {
  program
    .command('repair')
    .description('Rebuild the damaged database of a local state directory from the files that survive.')
    .option('--state <dir>', 'the local state directory', DEFAULT_STATE_DIR)
    .option('--json', 'the result as one JSON object on stdout')
    .addHelpText(
      'after',
      `
A state directory whose database cannot be opened (a truncated MANIFEST or CURRENT file, say, after a
crash or a full disk) makes every command exit 2 and point here. The repair copies the damaged files
to DIR/dynamodb.damaged-TIME, rebuilds the database with LevelDB's repair, then opens it as every command
does: targets whose state came back older than the alerts already delivered (DIR/delivered.jsonl)
resume from what their last alert said, so none is sent twice. History lost in the damage stays lost.

Examples:
  $ portwatch repair
  $ portwatch repair --state /var/lib/portwatch

Exit codes: 0 repaired or nothing to repair, 1 the repair failed, 2 bad usage (no state, not writable).`,
    )
    .action((options: RepairOptions) => runRepair(options));
};
