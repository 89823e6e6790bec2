/** `portwatch history TARGET`: the events of one target (transitions, posture and status changes), newest first. */
import type { Command } from 'commander';
import type { TargetEvent } from '../../lambda/monitor/model';
import { withBackend, type BackendOptions } from './backend';
import { EXIT_FAILED, type CommandRegistrar } from './cli-io';
import { CliOutput, formatFindings, formatTime } from './output';
import { BACKEND_HELP, addBackendOptions, integerOption } from './options';
import { findTarget } from './status-command';

interface HistoryOptions extends BackendOptions {
  readonly json?: boolean;
  readonly limit: number;
}

const DEFAULT_HISTORY_LIMIT = 20;

function change(event: TargetEvent): string {
  if (event.kind === 'posture') {
    const added = event.findings.filter((f) => !event.findingsBefore.includes(f)).map((f) => `+${f}`);
    const removed = event.findingsBefore.filter((f) => !event.findings.includes(f)).map((f) => `-${f}`);
    return [...added, ...removed].join(' ');
  }
  return `${event.from ?? '(first)'} -> ${event.to}`;
}

async function runHistory(targetArg: string, options: HistoryOptions): Promise<void> {
  const out = new CliOutput(options.json === true);
  await withBackend(options, 'read', async (backend) => {
    const key = (await findTarget(backend, targetArg))?.key ?? null;
    if (key === null) {
      out.note(`no target ${JSON.stringify(targetArg)} in ${backend.where} (see \`portwatch status\`)`);
      process.exitCode = EXIT_FAILED;
      return;
    }
    const events = await backend.store.history(key, options.limit);
    if (out.json) {
      for (const e of events) out.data(e);
      return;
    }
    if (events.length === 0) {
      out.note(`no history for ${key} yet (it has not been probed)`);
      return;
    }
    out.table(
      ['AT', 'EVENT', 'CHANGE', 'FINDINGS', 'ALERT', 'REASON'],
      events.map((e) => [formatTime(e.at), e.kind, change(e), formatFindings(e.findings), e.alerted ? 'yes' : '-', e.reason]),
    );
    if (events.length === options.limit) out.note(`showing the newest ${options.limit} events; --limit N shows more`);
  });
}

export const registerHistoryCommand: CommandRegistrar = (program: Command) => {
  addBackendOptions(
    program
      .command('history')
      .description('History of one target, newest first: transitions, posture changes and status changes.')
      .argument('<target>', 'the target key (host:port also finds a key written as host)')
      .option('--limit <n>', 'events to show', integerOption(1, 10_000), DEFAULT_HISTORY_LIMIT),
  )
    .addHelpText(
      'after',
      `
Events: baseline (first sight), transition (open <-> not open: alerted), posture (findings of an open
port changed: alerted), status (e.g. closed -> filtered, or to/from error: recorded only).
ALERT says whether the event sent an alert. Events expire after the retention period (90 days by default).

Examples:
  $ portwatch history broker.example.com:8883
  $ portwatch history 127.0.0.1:8883 --limit 5 --json
  $ portwatch history broker.example.com --stack Portwatch --region eu-west-1
${BACKEND_HELP}`,
    )
    .action((target: string, options: HistoryOptions) => runHistory(target, options));
};
