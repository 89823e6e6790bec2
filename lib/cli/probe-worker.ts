/**
 * The probe worker's entry, started by `portwatch local --vantage NAME=NETNS` as
 * `ip netns exec NETNS node probe-worker.cjs`: it probes from inside that namespace and answers on
 * stdout (probe-worker-serve.ts). Built beside the CLI bundle by scripts/build-cli.mjs.
 */
import { serveProbes } from './probe-worker-serve';

// Ctrl-C reaches the whole terminal process group: the parent finishes its tick and then closes our
// stdin; dying at once would turn the tick's last probes into errors.
process.on('SIGINT', () => undefined);
// A parent that went away (even killed) closes the pipe: stdout errors and stdin ends; either ends us.
process.stdout.on('error', () => process.exit(0));
serveProbes(process.stdin, (line) => process.stdout.write(line)).then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`probe worker: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
