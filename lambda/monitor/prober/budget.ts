/** The time budget: how long one target can take at worst, and the longest probe deadline that fits the time left. */
import { maxProbeDurationMs } from '../../probe';
import type { ProberConfig } from './config';

/**
 * Time each target's budget keeps for its writes after the last look (state, event, outbox lease and
 * removal). The stack sizes the Lambda timeout from targetBudgetMs, so this allowance is counted
 * there too: a change here moves both.
 */
export const WRITES_ALLOWANCE_MS = 2000;

type Confirmation = Pick<ProberConfig, 'confirmAttempts' | 'confirmDelayMs'>;

/**
 * Worst-case time of one target: every confirmation look at the probe's full worst case, the pauses
 * between them, and WRITES_ALLOWANCE_MS for the writes.
 */
export function targetBudgetMs(timeoutMs: number, confirmAttempts: number, confirmDelayMs: number): number {
  const attempts = Math.max(1, confirmAttempts);
  return attempts * maxProbeDurationMs(timeoutMs) + (attempts - 1) * confirmDelayMs + WRITES_ALLOWANCE_MS;
}

/** The longest probe deadline whose target budget fits in `budgetMs` (the inverse of targetBudgetMs). */
export function timeoutThatFits(budgetMs: number, confirmAttempts: number, confirmDelayMs: number): number {
  const attempts = Math.max(1, confirmAttempts);
  return Math.floor((budgetMs - WRITES_ALLOWANCE_MS - (attempts - 1) * confirmDelayMs) / (attempts * maxProbeDurationMs(1)));
}

/** One run's deadlines: the probe deadline each target gets, and the time it must have left to be started. */
export interface RunBudget {
  /** The deadline for a target asking for `requestedMs` (its own `timeoutMs`; undefined: the default). */
  timeoutMs(requestedMs: number | undefined): number;
  budgetMs(requestedMs: number | undefined): number;
}

/**
 * A target's own `timeoutMs` may ask for more than one invocation can give; it is cut to what fits in
 * the time left when the run started (never below the default), so that no target is started that
 * cannot finish. Without a deadline (`remainingAtStartMs` undefined) every target gets what it asks.
 */
export function runBudget(config: Pick<ProberConfig, 'probeOptions'> & Confirmation, remainingAtStartMs: number | undefined): RunBudget {
  const { confirmAttempts, confirmDelayMs } = config;
  const defaultMs = config.probeOptions.timeoutMs;
  const fitsMs = remainingAtStartMs === undefined ? Number.POSITIVE_INFINITY : timeoutThatFits(remainingAtStartMs, confirmAttempts, confirmDelayMs);
  const timeoutMs = (requestedMs: number | undefined): number => Math.min(requestedMs ?? defaultMs, Math.max(fitsMs, defaultMs));
  return { timeoutMs, budgetMs: (requestedMs) => targetBudgetMs(timeoutMs(requestedMs), confirmAttempts, confirmDelayMs) };
}
