/**
 * `portwatch local`: the whole pipeline in one process, with the modules the Lambdas run. Each tick:
 * dispatch() pages the Targets table into an in-process queue, then ProberService runs over its
 * messages (one message = one work group, as one SQS record is in AWS) with the DynamoDB state store
 * on an embedded dynalite kept under --state, and alerts go to the console (and SNS with --topic-arn).
 */
import { Option, type Command } from 'commander';
import { PROBER_DEFAULTS } from '../../lambda/contracts/prober-env';
import { DEFAULT_STATE_DIR } from './state-dir';
import { EXIT_OK, type CommandRegistrar } from './cli-io';
import { CliOutput } from './output';
import { DURATION_FLAGS, INTEGER_FLAGS, collect, durationOption, integerOption, rangeText } from './options';
import { runLocal, type LocalOptions } from './local-run';
import { stopOnSignals } from './stop-signals';

export const registerLocalCommand: CommandRegistrar = (program: Command) => {
  program
    .command('local')
    .description('Run the whole pipeline in one process on an embedded DynamoDB: no AWS account needed.')
    .argument('[target...]', 'targets in the targets.txt line format, e.g. "127.0.0.1:8883 expect=closed depth=tcp"')
    .option('--targets <file>', 'targets file (targets.txt lines, CSV or JSON); it becomes the whole target list')
    .addOption(new Option('--interval <duration>', 'time between ticks: 30s, 5m, 1h').argParser(durationOption(DURATION_FLAGS.interval)).default(60_000, '60s'))
    .addOption(
      new Option('--posture-every <duration>', 'time between deep looks (TLS, MQTT) at an open broker, at least --interval; ticks between only connect (default: every tick)').argParser(
        durationOption(DURATION_FLAGS.postureEvery),
      ),
    )
    .option('--ticks <n>', 'stop after N ticks (default: run until Ctrl-C)', integerOption(INTEGER_FLAGS.ticks))
    .option('--state <dir>', 'directory of the embedded DynamoDB (targets, state, history)', DEFAULT_STATE_DIR)
    .option('--json', 'alerts as one JSON object per line on stdout, nothing else there')
    .option('--topic-arn <arn>', 'also publish alerts to this SNS topic (AWS credentials from the standard chain)')
    .option('--timeout <ms>', `probe deadline per socket phase, in ms (${rangeText(INTEGER_FLAGS.timeout)})`, integerOption(INTEGER_FLAGS.timeout), PROBER_DEFAULTS.probeTimeoutMs)
    .option('--every <duration>', 'fast lane for targets without an every= of their own: a look every 10s, 15s, 20s, 30s or 1m within each --interval (default: every tick)')
    .option('--plaintext-port <n|none>', 'at depth mqtt, where to look for a plaintext MQTT listener beside the TLS port (default: 1883)')
    .option('--ca <file>', 'PEM file of CA certificates trusted besides the public roots (a private broker CA)')
    .option('--deny-private', 'refuse loopback and private addresses, as the deployed prober does')
    .addOption(new Option('--allow <cidr>', 'probe this range even when refused otherwise (repeatable)').argParser(collect).default([], 'none'))
    .option('--concurrency <n>', `targets probed at once (${rangeText(INTEGER_FLAGS.concurrency)})`, integerOption(INTEGER_FLAGS.concurrency), PROBER_DEFAULTS.probeConcurrency)
    .addOption(new Option('--vantage <name=netns>', 'look from this network namespace, under this name, instead of from this host (repeatable, at least two; needs root and `ip`)').argParser(collect).default([], 'none'))
    .option('--quorum <k>', 'with --vantage: vantage points that must see a target down before an outage is believed (default: a majority)', integerOption(INTEGER_FLAGS.quorum))
    .option('--verbose', 'log every tick and unconfirmed change on stderr')
    .addOption(
      new Option('--confirm-attempts <n>', 'observations that must agree before a change is believed')
        .argParser(integerOption(INTEGER_FLAGS.confirmAttempts))
        .default(PROBER_DEFAULTS.confirmAttempts)
        .hideHelp(),
    )
    .addOption(
      new Option('--confirm-delay <ms>', 'pause before a confirming re-probe').argParser(integerOption(INTEGER_FLAGS.confirmDelay)).default(PROBER_DEFAULTS.confirmDelayMs).hideHelp(),
    )
    .addHelpText(
      'after',
      `
Each tick runs the code the Lambdas run: the dispatcher pages the Targets table into an in-process
queue, the prober probes, records transitions in the state table and prints each alert once. State is
kept in --state, so a restart resumes the history and never repeats an alert. Ctrl-C stops after the
current tick. After the first tick a table shows where every target stands; after each tick one
heartbeat line (UTC) says how many targets are open, what changed and when the next tick comes
(on stderr with --json, where stdout carries alerts only).

With --targets or TARGET arguments, the local Targets table is made equal to them (targets removed
from the file leave it; their history stays), and the file is read again before a tick whenever it
changed. Without either, the run watches what the table holds (see \`portwatch targets add --state DIR\`).
A file line that fails validation is reported as FILE:LINE: field: value reason at every tick until
it is fixed; the other targets still run, and the command exits 2 at the end. A target whose line
goes bad keeps its last valid definition (\`portwatch status\` shows the error), and while a refused
line names no target of the table, no target is removed.

A target with every=10s (or all of them, with --every 10s) is looked at every 10 seconds within the
tick: the tick's messages wait in the in-process queue until their turn, as SQS delays them in AWS.

With --vantage NAME=NETNS (two or more), each tick looks at every target from each network namespace
(through a probe worker started there with \`ip netns exec\`, as root) and decides as the deployed
prober does across regions: a target open from any vantage point is open (exposure); an outage
(expect=open) needs --quorum of them to see it down; a target open from some and not others is
PARTIAL. A vantage point whose worker hangs or dies counts as unknown for that tick, never as closed.

Unlike the deployed prober, local mode probes loopback and private addresses; --deny-private refuses them.

Examples:
  $ portwatch local --targets targets.txt
  $ portwatch local "127.0.0.1:1883 depth=tcp expect=closed" --interval 10s
  $ portwatch local "127.0.0.1:8883 expect=closed every=10s"
  $ portwatch local --targets targets.txt --ticks 1 --json | jq .
  $ sudo portwatch local --targets targets.txt --vantage lan=pw-lan --vantage wan=pw-wan --vantage vpn=pw-vpn
  $ portwatch local --targets fleet.csv --topic-arn arn:aws:sns:eu-west-1:123456789012:portwatch-alerts

Exit codes: 0 ok, 1 a tick failed (state could not be written), 2 bad usage or a refused targets line.`,
    )
    .action(async (targets: string[], options: LocalOptions) => {
      const out = new CliOutput(options.json === true);
      const { signal, dispose } = stopOnSignals(out);
      try {
        const code = await runLocal(targets, options, signal);
        if (code !== EXIT_OK) process.exitCode = code;
      } finally {
        dispose();
      }
    });
};
