import { DEFAULT_PROBER_CONFIG } from '../../../../lambda/monitor/prober/config';
import { startRun, type RunScope } from '../../../../lambda/monitor/prober/report';
import { keyOf, planWork } from '../../../../lambda/monitor/prober/work';

const NOW = new Date('2026-11-24T10:05:00.000Z');

function workScope(): { scope: RunScope; logged: string[] } {
  const logged: string[] = [];
  const unused = (): never => {
    throw new Error('planning does no I/O');
  };
  const deps = {
    store: { getStates: unused, getState: unused, putState: unused, putEvent: unused, listStates: unused, history: unused, getScanner: unused, putScanner: unused },
    notifier: { publish: unused },
    probe: unused,
    now: () => NOW,
    sleep: unused,
    log: (level: string, message: string) => logged.push(`${level} ${message}`),
  };
  const config = { ...DEFAULT_PROBER_CONFIG, defaultPort: 8883, probeOptions: { timeoutMs: 500, certExpiringDays: 14 } };
  return { scope: { deps, config, run: startRun() }, logged };
}

describe('planWork', () => {
  it('probes enabled targets, records invalid ones with a key, and counts the rest', () => {
    // Prepare
    const { scope, logged } = workScope();
    const items = [{ target: 'a.example' }, { target: 'b.example', enabled: false }, { target: 'c.example', port: 'x' }, { port: 8883 }];
    // Act
    const work = planWork(scope, [{ id: 'g1', items }]);
    // Assess
    expect(work.map((w) => `${w.kind} ${keyOf(w)} ${w.group}`)).toEqual(['probe a.example g1', 'invalid c.example g1']);
    expect(work[1]).toMatchObject({ kind: 'invalid', reason: expect.stringMatching(/^invalid target: port/) });
    expect([scope.run.skippedDisabled, scope.run.invalid]).toEqual([1, 2]);
    // The item without a key is only logged: it has no state to record its error in.
    expect(logged).toEqual(['warn invalid target', 'warn invalid target']);
  });

  it('keeps the first occurrence of a key across groups, so a batch never races against itself', () => {
    // Prepare
    const { scope } = workScope();
    // Act
    const work = planWork(scope, [
      { id: 'g1', items: [{ target: 'a.example', expect: 'open' }] },
      { id: 'g2', items: [{ target: 'a.example', expect: 'closed' }, { target: 'b.example' }] },
    ]);
    // Assess
    expect(work.map((w) => `${keyOf(w)} ${w.group}`)).toEqual(['a.example g1', 'b.example g2']);
    expect(work[0]).toMatchObject({ target: { expect: 'open' } });
  });

  it("dates the work by its group's tick, or by now when the tick is absent or unreadable", () => {
    // Prepare
    const { scope } = workScope();
    // Act
    const work = planWork(scope, [
      { id: 'g1', items: [{ target: 'a.example' }], tick: '2026-11-24T10:00:00.000Z' },
      { id: 'g2', items: [{ target: 'b.example' }], tick: 'not a time' },
      { id: 'g3', items: [{ target: 'c.example' }] },
    ]);
    // Assess
    expect(work.map((w) => (w.kind === 'probe' ? w.tickMs : null))).toEqual([Date.parse('2026-11-24T10:00:00.000Z'), NOW.getTime(), NOW.getTime()]);
  });
});
