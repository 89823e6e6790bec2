import { withDeadline } from '../../../lambda/probe/deadline';
import { timed } from '../../helpers/probe-fixtures';

describe('withDeadline', () => {
  it('resolves with the work value and runs every cleanup', async () => {
    // Prepare
    const cleaned: string[] = [];

    // Act
    const value = await withDeadline(
      1000,
      'work',
      async (deadline) => {
        deadline.own(() => cleaned.push('a'));
        deadline.own(() => cleaned.push('b'));
        return 'done';
      },
      () => 'timeout',
    );

    // Assess
    expect(value).toBe('done');
    expect(cleaned).toEqual(['a', 'b']);
  });

  it('times out with the current phase and its timeout, and runs cleanups first', async () => {
    // Prepare
    let cleanedBeforeResolve = false;

    // Act
    const { value, elapsedMs } = await timed(() =>
      withDeadline(
        1000,
        'connect',
        async (deadline) => {
          deadline.own(() => {
            cleanedBeforeResolve = true;
          });
          deadline.phase('CONNACK', 50);
          return new Promise<string>(() => undefined);
        },
        (info) => `${info.phase}:${info.timeoutMs}:${String(cleanedBeforeResolve)}`,
      ),
    );

    // Assess
    expect(value).toBe('CONNACK:50:true');
    expect(elapsedMs).toBeLessThan(1000);
  });

  it('runs a cleanup registered after the end at once', async () => {
    // Prepare
    let late: ((c: () => void) => void) | undefined;
    await withDeadline(
      1000,
      'work',
      async (deadline) => {
        late = (c) => deadline.own(c);
        return 1;
      },
      () => 0,
    );
    let ran = false;

    // Act
    late?.(() => {
      ran = true;
    });

    // Assess
    expect(ran).toBe(true);
  });

  it('rejects only when the work itself rejects (a bug), after cleaning up', async () => {
    // Prepare
    let cleaned = false;

    // Act
    const run = withDeadline(
      1000,
      'work',
      async (deadline) => {
        deadline.own(() => {
          cleaned = true;
        });
        throw new Error('bug');
      },
      () => 'timeout',
    );

    // Assess
    await expect(run).rejects.toThrow('bug');
    expect(cleaned).toBe(true);
  });
});
