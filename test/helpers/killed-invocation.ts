/** Deadlines for tests: a prober invocation killed at one of its steps, its promises never settling, as a Lambda that hits its timeout. */
import { keepsViews, type DigestStore, type Notifier, type StateStore, type VantageStore } from '../../lambda/monitor/dependencies';
import type { ProberDeps } from '../../lambda/monitor/prober/service';
import type { FaultPlan } from './faults';

/*
 * When a Lambda invocation reaches its timeout the runtime freezes it: no callback of it runs again,
 * whatever it was waiting for. Here every call the prober makes to the outside (probe, state and
 * digest reads and writes, the SNS publish, the pause before a re-probe) is one step; the invocation
 * dies at step `killAt`. The dying call either never leaves (`before`) or reaches the service and its
 * answer is never seen (`after`: a write that landed, an alert SNS accepted). From then on every call,
 * and every answer still in flight, never settles. A run that makes fewer calls than `killAt` is not
 * killed.
 */

const never = <T>(): Promise<T> => new Promise<T>(() => {});

export class KilledInvocation {
  private calls = 0;
  private dead = false;
  /** Alerts this invocation saw SNS accept whose removal from the outbox it has not yet seen land. */
  private readonly unrecorded = new Set<string>();
  private onAccepted: (alertId: string) => void = () => {};
  private markDead: () => void = () => {};
  /** Resolves when the invocation dies; the caller stops waiting for its run then. */
  readonly died: Promise<'killed'>;

  constructor(
    private readonly plan: FaultPlan,
    private readonly killAt: number,
  ) {
    this.died = new Promise((resolve) => {
      this.markDead = () => resolve('killed');
    });
  }

  /** One step; `sent` is told when the call succeeded at the service but the invocation never saw the answer. */
  async step<T>(name: string, call: () => Promise<T>, sent?: () => void): Promise<T> {
    if (this.dead) return never();
    if (this.calls++ === this.killAt) {
      const reaches = this.plan.random() < 0.5;
      this.plan.count('deadline', `${name} ${reaches ? 'after' : 'before'}`);
      if (reaches) {
        try {
          await call();
          sent?.();
        } catch {
          // The call failed on its own; the invocation is dead either way.
        }
      }
      this.die();
      return never();
    }
    const result = await call();
    if (!this.dead) return result;
    // The call was in flight when the invocation died: it landed, and its answer is never seen.
    sent?.();
    return never();
  }

  /**
   * Dead from now on. An alert it saw SNS accept but whose removal from the outbox it never saw land
   * will be published again once its lease ends: the one duplicate no publisher can rule out ("the
   * prober dies before recording it"), reported through `onAccepted` like an answer lost in transit.
   */
  private die(): void {
    this.dead = true;
    for (const id of this.unrecorded) this.onAccepted(id);
    this.markDead();
  }

  /**
   * The prober's dependencies with every outside call made a step of this invocation; `onAccepted` is
   * told of each alert SNS accepted without the invocation living to record it.
   */
  wrap(deps: ProberDeps, onAccepted: (alertId: string) => void): ProberDeps {
    this.onAccepted = onAccepted;
    const store: StateStore = {
      getStates: (t) => this.step('getStates', () => deps.store.getStates(t)),
      getState: (t) => this.step('getState', () => deps.store.getState(t)),
      putState: async (s, v) => {
        const won = await this.step('putState', () => deps.store.putState(s, v));
        if (won) for (const id of this.unrecorded) if (!s.outbox.some((e) => e.id === id)) this.unrecorded.delete(id);
        return won;
      },
      putEvent: (e) => this.step('putEvent', () => deps.store.putEvent(e)),
      listStates: () => deps.store.listStates(),
      history: (t, l) => deps.store.history(t, l),
      getScanner: () => this.step('getScanner', () => deps.store.getScanner()),
      putScanner: (s, v) => this.step('putScanner', () => deps.store.putScanner(s, v)),
    };
    // Several vantage points: the views and heartbeats are steps an invocation can die at too.
    const views = deps.store;
    const vantageStore: Partial<VantageStore> = keepsViews(views)
      ? {
          getViews: (t, v) => this.step('getViews', () => views.getViews(t, v)),
          putView: (view, v) => this.step('putView', () => views.putView(view, v)),
          getHeartbeats: (v) => this.step('getHeartbeats', () => views.getHeartbeats(v)),
          putHeartbeat: (v, beat) => this.step('putHeartbeat', () => views.putHeartbeat(v, beat)),
        }
      : {};
    const notifier: Notifier = {
      publish: async (alert) => {
        await this.step('publish', () => deps.notifier.publish(alert), () => onAccepted(alert.id));
        this.unrecorded.add(alert.id);
      },
    };
    const inner = deps.digests;
    const digests: DigestStore | undefined = inner && {
      record: (t, d) => this.step('digest', () => inner.record(t, d)),
      invalidate: (t, v) => this.step('digest', () => inner.invalidate(t, v)),
    };
    return {
      ...deps,
      store: { ...store, ...vantageStore },
      notifier,
      ...(digests ? { digests } : {}),
      probe: (spec, options) => this.step('probe', () => deps.probe(spec, options)),
      sleep: (ms) => this.step('sleep', () => deps.sleep(ms)),
    };
  }
}
