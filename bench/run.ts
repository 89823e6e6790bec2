/**
 * `npm run bench`: portwatch measured against nmap and against its own goals, on loopback only, in one
 * run; every ratio printed compares figures taken in this run (alternating rounds, medians), so a busy
 * machine slows both sides alike. nmap is optional: without it, its rows say how to install it.
 *
 *   npm run bench                 # everything (about a minute)
 *   npm run bench -- --quick      # a tenth of the sizes, to check the bench itself
 *   npm run bench -- --only tcp,deep,pipeline,dispatch,discovery,bundles,time-to-alert,client-cpu
 *   npm run bench -- --only time-to-alert   # the alert latency rows alone (about 4 minutes)
 *   npm run bench -- --only vantage         # a three-vantage local tick against a one-vantage tick (root: network namespaces)
 *
 * Exit code 1 when a correctness check failed (a port misclassified, a write in an unchanged tick...).
 */
import './env';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { runBundleBench, type BundleBenchResult } from './bundles';
import { costRows, costTable, digestBytesFor, dynamoItemSize, fastLaneTable, FLEETS, measuredTable, measureProberOverhead, monthlyCost, PRICES, RECOMMENDED_FAN_OUT, type Fleet, type Measured } from './cost';
import { opensslAvailable, runDeepBench, type DeepBenchResult } from './deep';
import { runDispatchBench, type DispatchBenchResult } from './dispatch';
import { runDiscoveryBench, totalCalls } from './discovery';
import { startEngine } from './engine';
import { findNmap, NMAP_INSTALL_HINT } from './nmap';
import { loopbackHosts, runPipelineBench, type PipelineResult, type TickMeasure } from './pipeline';
import { fmtBytes, fmtInt, fmtMs, fmtRatio, fmtUsd, renderTable } from './table';
import { runTcpBench, type TcpBenchResult } from './tcp';
import { timeToAlertRows } from './time-to-alert-rows';
import { clientCpuRow } from './client-cpu-row';
import { vantageRow } from './vantage-row';

const SECTIONS = ['tcp', 'deep', 'client-cpu', 'pipeline', 'dispatch', 'discovery', 'bundles', 'time-to-alert', 'vantage'] as const;
type Section = (typeof SECTIONS)[number];

interface Args {
  readonly quick: boolean;
  readonly only: ReadonlySet<Section>;
}

function parseArgs(argv: readonly string[]): Args {
  let quick = false;
  let only = new Set<Section>(SECTIONS);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--quick') quick = true;
    else if (arg === '--only' || arg.startsWith('--only=')) {
      const list = arg.includes('=') ? arg.slice('--only='.length) : (argv[++i] ?? '');
      const wanted = list.split(',').map((s) => s.trim()).filter(Boolean);
      const unknown = wanted.filter((w) => !(SECTIONS as readonly string[]).includes(w));
      if (unknown.length > 0) throw new Error(`--only: unknown section ${unknown.join(', ')} (sections: ${SECTIONS.join(', ')})`);
      only = new Set(wanted as Section[]);
    } else throw new Error(`unknown argument ${arg} (--quick, --only ${SECTIONS.join(',')})`);
  }
  return { quick, only };
}

function fdLimit(): string {
  try {
    return /Max open files\s+(\d+|unlimited)/.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1] ?? '?';
  } catch {
    return '?';
  }
}

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

function requestsText(r: Readonly<Record<string, number>>): string {
  const entries = Object.entries(r).filter(([, n]) => n > 0);
  return entries.length === 0 ? 'none' : entries.map(([k, n]) => `${k.replace(/Command$/, '')} ${fmtInt(n)}`).join(', ');
}

function tickRows(p: PipelineResult): string[][] {
  const row = (label: string, t: TickMeasure, ratio: string, check: string): string[] => [
    label,
    `${fmtMs(t.wallMs)}, ${fmtInt(t.probesPerSecond)} probes/s`,
    `prober: ${requestsText(t.proberRequests)}; dispatch: ${requestsText(t.dispatchRequests)}`,
    ratio,
    check,
  ];
  const statuses = p.misclassified.length === 0 ? `${fmtInt(p.targets)}/${fmtInt(p.targets)} statuses right` : `${p.misclassified.length} statuses WRONG`;
  // A re-probe happens only for a change that would alert; neither tick has one.
  const reprobes = (t: TickMeasure): string => `${fmtInt(t.run.probed - p.targets)} re-probes`;
  const writes1 = p.baseline.run.writes;
  const c = p.unchangedCheck;
  return [
    row(`Pipeline tick 1 (baselines): ${fmtInt(p.targets)} targets, depth tcp, ${p.hosts} loopback hosts`, p.baseline, `${((writes1 + p.baseline.run.digestsRecorded) / p.targets).toFixed(1)} writes/target (${fmtInt(p.baseline.run.digestsRecorded)} of them digests)`, `${statuses}; ${reprobes(p.baseline)}`),
    row(
      'Pipeline tick 2 (nothing changed)',
      p.unchanged,
      `${fmtRatio(p.baseline.wallMs / p.unchanged.wallMs)} faster than tick 1; state reads per target: ${((p.targets - c.digestHits) / p.targets).toFixed(3)}`,
      c.ok
        ? `OK: ${c.writes} writes, ${fmtInt(c.digestHits)}/${fmtInt(p.targets)} settled by their digest, ${fmtInt(c.digestChecks)} read for their hourly digest check, ${c.getItems} GetItem (scanner item); ${reprobes(p.unchanged)}`
        : `FAILED: ${c.problems.join('; ')}`,
    ),
  ];
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const scale = args.quick ? 0.1 : 1;
  const nmap = findNmap();
  const cores = availableParallelism();
  const header = [
    `portwatch bench: node ${process.version}, ${cores} CPUs (load ${loadavg().map((l) => l.toFixed(2)).join(' ')}), open files limit ${fdLimit()}`,
    nmap ? `nmap ${nmap.version} at ${nmap.path}` : NMAP_INSTALL_HINT,
    'All traffic is loopback. Each ratio compares medians of alternating rounds taken in this run.',
  ];
  log(header[1] as string);

  const failures: string[] = [];
  const rows: string[][] = [];
  let tcp: TcpBenchResult | null = null;
  let deep: DeepBenchResult | null = null;
  let pipeline: PipelineResult | null = null;
  let dispatched: DispatchBenchResult | null = null;
  let bundles: BundleBenchResult | null = null;

  const engine = args.only.has('tcp') || args.only.has('deep') ? await startEngine() : null;
  try {
    if (engine && args.only.has('tcp')) {
      log('TCP classification');
      tcp = await runTcpBench({ open: Math.round(200 * scale), closed: Math.round(2000 * scale), rounds: 7, concurrency: 512, engine, nmap, log });
      const pw = tcp.portwatch;
      const pwCheck = `portwatch ${pw.classification.correct}/${pw.classification.total} right`;
      const nmCheck = tcp.nmap ? `; nmap ${tcp.nmap.classification.correct}/${tcp.nmap.classification.total}` : '';
      rows.push([
        `TCP classification: ${fmtInt(tcp.ports)} loopback ports (${tcp.open} open, ${fmtInt(tcp.closed)} closed), depth tcp, concurrency ${tcp.concurrency}`,
        `${fmtMs(pw.medianMs)}, ${fmtInt(pw.portsPerSecond)} ports/s`,
        tcp.nmap
          ? `nmap -sT -Pn -n: ${fmtMs(tcp.nmap.medianMs)}, ${fmtInt(tcp.nmap.portsPerSecond)} ports/s (its own scan time ${fmtMs(tcp.nmap.reportedMedianMs ?? Number.NaN)})`
          : 'nmap not installed',
        tcp.nmap ? fmtRatio(tcp.nmap.medianMs / pw.medianMs) : '-',
        pwCheck + nmCheck,
      ]);
      for (const [who, c] of [['portwatch', pw.classification], ['nmap', tcp.nmap?.classification]] as const) {
        if (!c || c.mismatches.length === 0) continue;
        failures.push(`${who} misclassified ${c.mismatches.length} ports: ${c.mismatches.slice(0, 10).map((m) => `${m.port} ${m.got} (expected ${m.expected}${m.takenMidRun ? ', something listens there now' : ''})`).join(', ')}`);
      }
    }

    if (engine && args.only.has('deep')) {
      log('Deep probe');
      if (!opensslAvailable()) {
        rows.push(['Deep probe', 'skipped: the openssl CLI is needed for the brokers\' certificate', '-', '-', '-']);
      } else {
        deep = await runDeepBench({ brokers: Math.max(5, Math.round(50 * scale)), rounds: 5, concurrency: 512, engine, nmap, log });
        const pw = deep.portwatch;
        rows.push([
          `Deep probe: ${deep.brokers} TLS MQTT brokers (aedes, anonymous, self-signed), depth mqtt`,
          `${fmtMs(pw.medianMs)} (${(pw.cpuUsPerProbe / 1000).toFixed(2)} ms CPU/probe)`,
          deep.nmap ? `nmap -sT --script ssl-cert,mqtt-subscribe: ${fmtMs(deep.nmap.medianMs)} (its own elapsed ${fmtMs(deep.nmap.reportedMedianMs ?? Number.NaN)})` : 'nmap not installed',
          deep.nmap ? fmtRatio(deep.nmap.medianMs / pw.medianMs) : '-',
          `portwatch ${pw.check.correct}/${pw.check.total} (open, ${deep.tlsVersion ?? '?'}, CONNACK 0, anonymous-access + self-signed-cert)${deep.nmap ? `; nmap ${deep.nmap.check.correct}/${deep.nmap.check.total} (cert + subscribed)` : ''}`,
        ]);
        if (pw.check.problems.length > 0) failures.push(`portwatch deep probe: ${pw.check.problems.slice(0, 5).join(' | ')}`);
        if (deep.nmap && deep.nmap.check.problems.length > 0) failures.push(`nmap deep probe: ${deep.nmap.check.problems.slice(0, 5).join(' | ')}`);
      }
    }
  } finally {
    await engine?.close();
  }

  if (args.only.has('client-cpu')) {
    log('Client CPU per broker (each side from its own process accounting)');
    if (!opensslAvailable()) rows.push(['Client CPU per broker', "skipped: the openssl CLI is needed for the brokers' certificate", '-', '-', '-']);
    else {
      const cpu = await clientCpuRow({ brokers: Math.max(10, Math.round(50 * scale)), rounds: 5, nmap, log });
      rows.push(cpu.row);
      failures.push(...cpu.failures);
    }
  }

  if (args.only.has('pipeline')) {
    log('Pipeline ticks');
    pipeline = await runPipelineBench({
      hosts: loopbackHosts(args.quick ? 5 : 50),
      openPerHost: 10,
      closedPerHost: 190,
      listenersIn: 'child',
      log,
    });
    rows.push(...tickRows(pipeline));
    if (!pipeline.unchangedCheck.ok) failures.push(`unchanged tick: ${pipeline.unchangedCheck.problems.join('; ')}`);
    if (pipeline.misclassified.length > 0) failures.push(`pipeline statuses wrong: ${pipeline.misclassified.slice(0, 10).join(', ')}`);
    if (pipeline.unchanged.run.probed !== pipeline.targets) failures.push(`unchanged tick probed ${pipeline.unchanged.run.probed} times for ${pipeline.targets} targets (re-probes without a suspected change)`);
  }

  if (args.only.has('dispatch')) {
    log('Dispatcher');
    dispatched = await runDispatchBench(Math.round(100_000 * scale), log);
    const d = dispatched;
    rows.push([
      `Dispatcher: ${fmtInt(d.targets)} targets from the embedded DynamoDB (4 scan segments, 25 per message)`,
      `${fmtMs(d.wallMs)}, ${fmtInt((d.targets / d.wallMs) * 1000)} targets/s`,
      `${fmtInt(d.report.messages)} messages in ${fmtInt(d.queue.sends)} SendMessageBatch; ${requestsText(d.requests)} (${d.report.pages} pages)`,
      `${(d.queue.targets / d.queue.messages).toFixed(1)} targets/message`,
      d.report.dispatched === d.targets ? `${fmtInt(d.report.dispatched)} dispatched, largest message ${fmtBytes(d.queue.maxMessageBytes)}` : `FAILED: ${d.report.dispatched} of ${d.targets} dispatched`,
    ]);
    if (d.report.dispatched !== d.targets) failures.push(`dispatcher sent ${d.report.dispatched} of ${d.targets} targets`);
  }

  if (args.only.has('discovery')) {
    log('Discovery');
    // 10,000 interfaces across 50 accounts (a tenth with --quick): one function run, then one with nothing changed.
    const r = await runDiscoveryBench(args.quick ? 10 : 50, args.quick ? 100 : 200);
    const calls = totalCalls(r.first.calls);
    rows.push([
      `Discovery: ${fmtInt(r.interfaces)} interfaces across ${r.accounts} accounts (stand-in AWS APIs, embedded DynamoDB, 8 scopes at once)`,
      `${fmtMs(r.first.wallMs)} first run (${fmtInt(r.first.writes)} conditional writes); ${fmtMs(r.second.wallMs)} unchanged run`,
      `${fmtInt(calls)} API calls (${(calls / r.accounts).toFixed(1)} per account, ${((calls / r.interfaces) * 10_000).toFixed(0)} per 10,000 interfaces); ${r.first.calls.retries} retries`,
      `unchanged run: ${fmtRatio(r.first.wallMs / Math.max(1, r.second.wallMs))} faster`,
      r.second.writes === 0 && r.targets === r.accounts * (r.interfaces / r.accounts + 22) ? `${fmtInt(r.targets)} targets; unchanged run wrote 0` : `FAILED: ${r.targets} targets, ${r.second.writes} writes in the unchanged run`,
    ]);
    if (r.second.writes !== 0) failures.push(`discovery: an unchanged run wrote ${r.second.writes} items`);
  }

  if (args.only.has('bundles')) {
    log('Lambda bundles');
    bundles = await runBundleBench(5);
    for (const b of bundles.bundles) {
      rows.push([
        `${b.name} bundle (esbuild as the stack: node24, minified, SDK external), module init x5`,
        b.error ? `bundle failed: ${b.error}` : `${fmtBytes(b.bytes)} (+ ${fmtBytes(b.mapBytes)} map); init ${fmtMs(b.initMedianMs)}`,
        `empty node start-up: ${fmtMs(bundles.nodeStartMedianMs)}`,
        b.error ? '-' : `init = ${fmtRatio(b.initMedianMs / bundles.nodeStartMedianMs)} node start-up`,
        b.error ? 'FAILED' : `loads, exports handler; start-up + init ${fmtMs(b.processMedianMs)}`,
      ]);
      if (b.error) failures.push(`${b.name} bundle: ${b.error}`);
    }
  }

  if (args.only.has('time-to-alert')) {
    log('Time to alert (local pipeline, real timers: a few minutes)');
    const tta = await timeToAlertRows({ quick: args.quick, nmap, log });
    rows.push(...tta.rows);
    failures.push(...tta.failures);
  }

  if (args.only.has('vantage')) {
    log('Vantage points: a local tick from three network namespaces against one from this process');
    const v = await vantageRow({ quick: args.quick, log });
    rows.push(v.row);
    failures.push(...v.failures);
  }

  // Printed after the main table, which gains the cost rows first.
  const costLines: string[] = [];
  // Cost model from this run's measurements (docs/cost.md explains each input and assumption).
  if (tcp && deep && dispatched && tcp.portwatch.closedSample && deep.portwatch.sample) {
    log('Cost model: prober CPU per target beyond the probe');
    const overTcp = await measureProberOverhead(tcp.portwatch.closedSample);
    const overDeep = await measureProberOverhead(deep.portwatch.sample);
    const measured: Measured = {
      cpuMsTcpClosed: tcp.portwatch.cpuUsPerClosed / 1000,
      cpuMsTcpOpen: tcp.portwatch.cpuUsPerOpen / 1000,
      cpuMsDeep: deep.portwatch.cpuUsPerProbe / 1000,
      proberMsTcp: overTcp.cpuUsPerTarget / 1000,
      proberMsDeep: overDeep.cpuUsPerTarget / 1000,
      stateBytesTcp: overTcp.stateItemBytes,
      stateBytesDeep: overDeep.stateItemBytes,
      stateWithOutboxBytesDeep: overDeep.stateWithOutboxBytes,
      dispatchMsPer1k: (dispatched.wallMs / dispatched.targets) * 1000,
      messageBytes: dispatched.queue.bytes / dispatched.queue.messages,
      targetItemBytes: dynamoItemSize({ target: '203.0.113.10:8883', depth: 'mqtt', expect: 'closed' }),
      digestBytes: digestBytesFor(deep.portwatch.sample),
      deepPayloadBytesOut: deep.portwatch.payloadBytesOutPerProbe,
      deepConnections: deep.portwatch.connectionsPerProbe,
      cpuMsDeepCore: deep.portwatch.core.cpuUsPerProbe / 1000,
      deepCorePayloadBytesOut: deep.portwatch.core.payloadBytesOutPerProbe,
      deepCoreConnections: deep.portwatch.core.connectionsPerProbe,
    };
    const f = RECOMMENDED_FAN_OUT;
    const out = costLines;
    rows.push(...costRows(measured));
    out.push('', 'Cost model inputs measured in this run (this machine, not Graviton: see docs/cost.md):', measuredTable(measured));
    out.push(
      '',
      `Monthly cost, ${PRICES.region} list prices, prober ${f.memoryMb} MB arm64, ${f.targetsPerMessage} targets/message x batch ${f.batchSize}, ${f.probeConcurrency} targets in flight, ${f.timeoutMs} ms deadline (docs/cost.md):`,
      costTable(measured),
      `vs R53: a Route 53 health check ($0.50/month, AWS endpoint) over portwatch per target, with the fixed ${fmtUsd(monthlyCost(measured, FLEETS[0] as Fleet, 1000, 5).fixed)}/month (alarms, idle SQS polling); in brackets without it.`,
      'As built: digests on the Targets items (an unchanged target reads no state), deep looks at open brokers every 5 minutes (every tick at 5-minute ticks), the slow posture questions (legacy TLS, TLS 1.2 suite, plaintext listener, MQTT levels) hourly, core deep looks between.',
      'Last three columns: the same with a deep look on every tick (postureEveryMinutes = scheduleMinutes); every deep look a full one (slow questions every look); and as built before digests and the cadences.',
    );
    out.push('', 'The fast lane (every: 10s), per target, from the same measurements (docs/cost.md):', fastLaneTable(measured));
  } else if (args.only.size === SECTIONS.length) {
    costLines.push('', 'Cost table skipped: it needs the tcp, deep and dispatch sections.');
  }

  const out: string[] = [];
  out.push(...header, '');
  out.push(renderTable(['measurement', 'portwatch', 'reference (same run)', 'ratio', 'correctness'], rows));
  out.push('', 'ratio: reference time / portwatch time for the nmap rows (above 1: portwatch is faster); otherwise as labelled.');
  if (nmap === null) out.push(NMAP_INSTALL_HINT);
  if (cores <= 2) out.push(`Only ${cores} CPUs: the listeners (and brokers) run in a child process beside the engine; on a shared machine absolute figures move, ratios less.`);
  out.push(...costLines);

  if (failures.length > 0) out.push('', 'CORRECTNESS FAILURES:', ...failures.map((f) => `  - ${f}`));
  process.stdout.write(`${out.join('\n')}\n`);
  return failures.length > 0 ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
