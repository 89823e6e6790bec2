/** `portwatch history TARGET`: the events of one target (transitions, posture and status changes), newest first. */
import type { Command } from 'commander';
import { reasonsText } from '../../lambda/monitor/cert-change';
import type { TargetEvent } from '../../lambda/monitor/model';
import { agreeingSide, isPartial, nameList, reachText } from '../../lambda/monitor/reach-text';
import { withBackend, type BackendOptions } from './backend';
import { EXIT_FAILED, type CommandRegistrar } from './cli-io';
import { CliOutput, formatFindings, formatTime } from './output';
import { plural } from '../../lambda/parse/plural';
import { BACKEND_HELP, INTEGER_FLAGS, addBackendOptions, integerOption, rangeText } from './options';
import { findTarget } from './status-command';

interface HistoryOptions extends BackendOptions {
  readonly json?: boolean;
  readonly limit: number;
}

const DEFAULT_HISTORY_LIMIT = 20;

/** `AB:CD:EF:01 -> 12:34:56:78 (new key)`: enough of each fingerprint to tell them apart at a glance. */
function certChangeText(event: TargetEvent): string {
  const short = (fingerprint: string | undefined): string => fingerprint?.slice(0, 11) ?? '?';
  const before = event.certChange?.before;
  const after = event.evidence.tls?.cert;
  const why = event.kind === 'cert-renewed' ? `renewed, expires ${after?.validTo ?? '?'}` : reasonsText(event.certChange?.reasons ?? []);
  return `${short(before?.fingerprint256)} -> ${short(after?.fingerprint256)} (${why})`;
}

/**
 * A `reach` event: `partial: open from eu-west-1, us-east-1; not open from ap-southeast-2`, or
 * `reachable from all: ...` when the vantage points agree again.
 */
function reachChange(event: TargetEvent): string {
  const reach = event.reach;
  if (reach === undefined) return `${event.from ?? '(first)'} -> ${event.to}`;
  if (isPartial(reach)) return `partial: ${reachText(reach)}`;
  if (reach.open.length > 0 && reach.notOpen.length === 0) return `reachable from all: ${reachText(reach)}`;
  return reach.notOpen.length > 0 ? `not open from all: ${reachText(reach)}` : reachText(reach) || 'no vantage point';
}

function change(event: TargetEvent): string {
  if (event.kind === 'reach') return reachChange(event);
  if (event.kind === 'cert-changed' || event.kind === 'cert-renewed') return certChangeText(event);
  if (event.kind === 'posture') {
    const added = event.findings.filter((f) => !event.findingsBefore.includes(f)).map((f) => `+${f}`);
    const removed = event.findingsBefore.filter((f) => !event.findings.includes(f)).map((f) => `-${f}`);
    return [...added, ...removed].join(' ');
  }
  // With vantage points that disagree, where the new open/not-open holds (as the alert's headline says).
  const side = agreeingSide(event.to === 'open', event.reach);
  return `${event.from ?? '(first)'} -> ${event.to}${side === null ? '' : ` (from ${nameList(side)})`}`;
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
    if (events.length === options.limit) out.note(`showing the newest ${plural(options.limit, 'event')}; --limit N shows more`);
  });
}

export const registerHistoryCommand: CommandRegistrar = (program: Command) => {
  addBackendOptions(
    program
      .command('history')
      .description('History of one target, newest first: transitions, posture and certificate changes, status changes.')
      .argument('<target>', 'the target key (host:port also finds a key written as host)')
      .option('--limit <n>', `events to show (${rangeText(INTEGER_FLAGS.limit)})`, integerOption(INTEGER_FLAGS.limit), DEFAULT_HISTORY_LIMIT),
  )
    .addHelpText(
      'after',
      `
Events: baseline (first sight), transition (open <-> not open: alerted), posture (findings of an open
port changed: alerted), cert-changed (a new leaf certificate that is not a renewal: new key or
issuer, or no later expiry: alerted), cert-renewed (same key and issuer, later expiry: recorded
only), status (e.g. closed -> filtered, or to/from error: recorded only), reach (several vantage
points: open from some and not from others, or agreeing again; alerted as partial/reachable when
it is news, see the ALERT column).
ALERT says whether the event sent an alert. Events expire after the retention period (90 days by default).

Examples:
  $ portwatch history broker.example.com:8883
  $ portwatch history 127.0.0.1:8883 --limit 5 --json
  $ portwatch history broker.example.com --stack Portwatch --region eu-west-1
${BACKEND_HELP}`,
    )
    .action((target: string, options: HistoryOptions) => runHistory(target, options));
};
