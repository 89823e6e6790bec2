/** `portwatch discover [--dry-run]`: the public endpoints of AWS accounts become discovered targets in the Targets table of a stack or a local state directory. */
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { STSClient } from '@aws-sdk/client-sts';
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { DISCOVERY_RETRY } from '../../lambda/adapters/aws/api-calls';
import { DynamoDbDiscoveredTargets } from '../../lambda/adapters/aws/dynamodb-discovered-targets';
import { LOCAL_TABLES } from '../../lambda/adapters/local/embedded-dynamodb';
import { checkExternalId, checkRoleName, DEFAULT_MEMBER_ROLE_NAME, DISCOVERY_INTEGER_VARIABLES, parseAccountScope, parseRegions, type AccountScope } from '../../lambda/contracts/discovery-env';
import { ConfigError } from '../../lambda/contracts/env';
import { describeOrigin } from '../../lambda/discovery/desired';
import type { DiscoveredTargetStore } from '../../lambda/discovery/endpoint';
import type { DiscoveryReport } from '../../lambda/discovery/service';
import { runDiscovery, type DiscoveryRun } from '../../lambda/handlers/discovery-root';
import { plural } from '../../lambda/parse/plural';
import { withBackend, type BackendOptions } from './backend';
import { EXIT_FAILED, UsageError, type CommandRegistrar } from './cli-io';
import { CliOutput } from './output';
import { DEFAULT_STATE_DIR } from './state-dir';
import { BACKEND_HELP, addBackendOptions, integerOption, rangeText, type IntegerFlag } from './options';

interface DiscoverOptions extends BackendOptions {
  readonly json?: boolean;
  readonly dryRun?: boolean;
  readonly regions?: string;
  readonly accounts?: string;
  readonly role: string;
  readonly externalId?: string;
  readonly concurrency: number;
}

/** The Targets table of a state directory that does not exist yet, for a dry run: empty, and never written. */
const NO_TARGETS: DiscoveredTargetStore = {
  listAll: async () => [],
  add: async () => false,
  update: async () => false,
  disable: async () => false,
};

const CONCURRENCY_FLAG: IntegerFlag = { flag: '--concurrency', what: 'a number of account/region scopes', min: DISCOVERY_INTEGER_VARIABLES.concurrency.min, max: DISCOVERY_INTEGER_VARIABLES.concurrency.max };

/** A contract check (the function's own) as a usage error naming the flag. */
function flag<T>(name: string, read: (label: string) => T): T {
  try {
    return read(name);
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
}

function summaryLine(run: DiscoveryRun, dryRun: boolean): string {
  const calls = Object.values(run.calls.calls).reduce((a, b) => a + b, 0);
  const applied = run.report.applied;
  const what = dryRun || applied === null ? 'dry run: nothing written' : `written: ${applied.added} added, ${applied.updated} updated, ${applied.disabled} disabled${applied.refused > 0 ? `, ${applied.refused} refused (a user target took the key)` : ''}`;
  return `${what}; ${plural(calls, 'API call')}, ${plural(run.calls.retries, 'retry', 'retries')}, ${(run.wallMs / 1000).toFixed(1)} s`;
}

function printText(out: CliOutput, report: DiscoveryReport, run: DiscoveryRun, dryRun: boolean, where: string): void {
  const { plan } = report;
  const verb = (word: string): string => (dryRun ? `would ${word}` : word.replace(/e?$/, 'ed'));
  out.line(`discovery of ${plural(report.accounts, 'account')} into ${where} at ${report.at}`);
  out.table(['ACCOUNT', 'REGION', 'ENDPOINTS', 'ERROR'], report.scopes.map((s) => [s.account, s.region, String(s.endpoints), s.error ?? '-']));
  const section = (title: string, rows: string[][]): void => {
    if (rows.length === 0) return;
    out.line(title);
    out.table(['', 'TARGET', 'EXPECT', 'WHAT'], rows);
  };
  section(`${verb('add')} ${plan.add.length}:`, plan.add.map((i) => ['+', i.target, i.expect ?? 'any', describeOrigin(i.origin)]));
  const changedText = (u: DiscoveryReport['plan']['update'][number]): string =>
    `changed: ${u.changed.map((c) => (c === 'expect' && u.expectBefore !== undefined ? `expect (was ${u.expectBefore ?? 'any'})` : c)).join(', ')}`;
  section(`${verb('update')} ${plan.update.length}:`, plan.update.map((u) => ['~', u.item.target, u.item.expect ?? 'any', changedText(u)]));
  section(`${verb('disable')} ${plan.disable.length}:`, plan.disable.map((d) => ['-', d.target, '', d.reason]));
  out.line(`unchanged: ${plan.unchanged}; left alone (the user's own targets): ${plan.userOwned.length === 0 ? 'none' : plan.userOwned.join(', ')}`);
  for (const s of report.skipped) out.line(`skipped: ${s}`);
  for (const w of report.warnings) out.note(w);
  out.line(summaryLine(run, dryRun));
}

function printJson(out: CliOutput, report: DiscoveryReport, run: DiscoveryRun, dryRun: boolean): void {
  for (const s of report.scopes) out.data({ kind: 'scope', ...s });
  for (const i of report.plan.add) out.data({ kind: 'add', ...i });
  for (const u of report.plan.update) out.data({ kind: 'update', changed: u.changed, ...u.item });
  for (const d of report.plan.disable) out.data({ kind: 'disable', ...d });
  for (const t of report.plan.userOwned) out.data({ kind: 'user-owned', target: t });
  for (const s of report.skipped) out.data({ kind: 'skipped', reason: s });
  out.data({ kind: 'summary', dryRun, at: report.at, accounts: report.accounts, unchanged: report.plan.unchanged, applied: report.applied, calls: run.calls, wallMs: run.wallMs });
}

async function runDiscover(options: DiscoverOptions): Promise<void> {
  const out = new CliOutput(options.json === true);
  const regionText = options.regions ?? options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (regionText === undefined) throw new UsageError('--regions: none given, and neither --region nor AWS_REGION names one (e.g. --regions eu-west-1,us-east-1)');
  const regions = flag('--regions', (name) => parseRegions(regionText, name));
  if (regions.length === 0) throw new UsageError(`--regions: ${JSON.stringify(regionText)} names no region (e.g. eu-west-1)`);
  const accounts: AccountScope = options.accounts === undefined ? [] : flag('--accounts', (name) => parseAccountScope(options.accounts ?? '', name));
  const memberRoleName = flag('--role', (name) => checkRoleName(options.role, name));
  const memberExternalId = options.externalId === undefined ? null : flag('--external-id', (name) => checkExternalId(options.externalId ?? '', name));
  const dryRun = options.dryRun === true;
  const clientRegion = options.region ?? regions[0];
  const sts = new STSClient({ ...DISCOVERY_RETRY, region: clientRegion });
  const organizations = accounts === 'organization' ? new OrganizationsClient({ ...DISCOVERY_RETRY, region: 'us-east-1' }) : null;
  const discoverInto = async (store: DiscoveredTargetStore, where: string): Promise<void> => {
    const run = await runDiscovery({ sts, organizations, store }, { regions, accounts, memberRoleName, memberExternalId, concurrency: options.concurrency, defaultPort: 8883, dryRun });
    if (out.json) printJson(out, run.report, run, dryRun);
    else printText(out, run.report, run, dryRun, where);
    const failed = run.report.scopes.filter((s) => s.error !== null);
    if (failed.length > 0) {
      out.note(`${plural(failed.length, 'scope')} could not be read (see ERROR); their targets were left as they are`);
      process.exitCode = EXIT_FAILED;
    }
  };
  const dir = options.state ?? DEFAULT_STATE_DIR;
  try {
    // A dry run before the first real one: no state directory yet, so every endpoint would be new.
    if (dryRun && options.stack === undefined && !existsSync(dir)) return await discoverInto(NO_TARGETS, `local state ${dir} (none yet)`);
    await withBackend(options, dryRun ? 'read' : 'create', (backend) =>
      discoverInto(new DynamoDbDiscoveredTargets(backend.client, options.stack === undefined ? LOCAL_TABLES.targets : backend.targets.tableName), backend.where),
    );
  } finally {
    sts.destroy();
    organizations?.destroy();
  }
}

export const registerDiscoverCommand: CommandRegistrar = (program: Command) => {
  addBackendOptions(
    program
      .command('discover')
      .description('Find the public endpoints of AWS accounts (interfaces with public addresses, Elastic IPs, internet-facing load balancers, public Route 53 names) and watch them as discovered targets.')
      .option('--dry-run', 'print what would be added, updated and disabled; write nothing')
      .option('--regions <list>', 'comma-separated regions to read (default: --region, or AWS_REGION)')
      .option('--accounts <list>', '"organization" (every active account, via Organizations) or comma-separated account ids; your own account is always read (default: your own account only)')
      .option('--role <name>', 'the read-only role in member accounts (the MemberAccountRole template)', DEFAULT_MEMBER_ROLE_NAME)
      .option('--external-id <id>', 'the external id the member role requires')
      .option('--concurrency <n>', `account/region scopes read at once (${rangeText(CONCURRENCY_FLAG)})`, integerOption(CONCURRENCY_FLAG), DISCOVERY_INTEGER_VARIABLES.concurrency.default),
  )
    .addHelpText(
      'after',
      `
Each endpoint becomes a target on port 8883 marked as discovered (an \`origin\` attribute naming the
account, region, resource, ARN and security groups), with \`expect\` from the resource's tag
portwatch:expect (open, closed or any; default closed) and its other tags as labels; portwatch:ignore=true
skips a resource. A resource that is gone disables its target with the reason (history kept), but only
when its account and region were read. Targets you added yourself are never changed. A second run with
nothing changed writes nothing. The endpoints of AWS services honour AWS_ENDPOINT_URL_<SERVICE>.

Exit codes: 0 ok, 1 an account or region could not be read (the others were), 2 bad usage.

Examples:
  $ portwatch discover --dry-run --regions eu-west-1
  $ portwatch discover --stack Portwatch --region eu-west-1 --regions eu-west-1,us-east-1
  $ portwatch discover --accounts organization --external-id "$EXTERNAL_ID" --stack Portwatch --json
  $ portwatch discover --state .portwatch && portwatch local --state .portwatch
${BACKEND_HELP}`,
    )
    .action((options: DiscoverOptions) => runDiscover(options));
};
