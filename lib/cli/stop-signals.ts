/** What stops a running `portwatch local`: Ctrl-C / SIGTERM, or a reader that went away. */
import type { CliOutput } from './output';

/**
 * SIGINT/SIGTERM stop the run between ticks; a second Ctrl-C exits at once. A closed stdout (the reader
 * of `portwatch local --json | head -1` is gone) stops it too, the same way: nobody would read another
 * alert, and a run that went on writing into nothing would keep the state directory locked.
 */
export function stopOnSignals(out: CliOutput): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onStdoutError = (err: NodeJS.ErrnoException): void => {
    if (err.code !== 'EPIPE' || controller.signal.aborted) return;
    out.note('stdout closed: stopping after the current tick');
    controller.abort();
  };
  process.stdout.on('error', onStdoutError);
  const onSignal = (name: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      out.note(`${name} again: exiting without finishing the tick`);
      process.exit(130);
    }
    out.note(`${name}: stopping after the current tick (press Ctrl-C again to force)`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.stdout.off('error', onStdoutError);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

