import { CliOutput, formatElapsed, renderTable, type OutputStream } from '../../../lib/cli/output';

function stream(isTTY: boolean): OutputStream & { text: () => string } {
  const chunks: string[] = [];
  return { isTTY, write: (c: string) => (chunks.push(c), true), text: () => chunks.join('') };
}

describe('output', () => {
  afterEach(() => jest.useRealTimers());

  it('aligns table columns without padding the last one', () => {
    expect(renderTable(['A', 'LONG HEADER', 'C'], [['xyz', 'b', 'last'], ['x', 'bbbbbbbbbbbbb', '']])).toBe(
      'A    LONG HEADER    C\nxyz  b              last\nx    bbbbbbbbbbbbb\n',
    );
  });

  it('formats elapsed time in the largest sensible units', () => {
    const now = new Date('2026-11-24T10:00:00Z');
    expect(['2026-11-24T09:59:18Z', '2026-11-24T09:55:00Z', '2026-11-24T06:50:00Z', '2026-11-20T06:00:00Z', 'garbage'].map((t) => formatElapsed(t, now))).toEqual([
      '42 s',
      '5 min',
      '3 h 10 min',
      '4 days 4 h',
      'unknown',
    ]);
  });

  it('draws progress on a terminal after a quarter second, at most ten times a second, and clears it', () => {
    jest.useFakeTimers({ now: 0 });
    const err = stream(true);
    const progress = new CliOutput(false, { stdout: stream(false), stderr: err }).progress('importing', 2000);
    progress.update(10);
    expect(err.text()).toBe('');
    jest.setSystemTime(300);
    progress.update(500);
    progress.update(600);
    jest.setSystemTime(450);
    progress.update(1000);
    progress.done();
    expect(err.text()).toBe('\r\u001b[2Kimporting 500/2000 (25%)\r\u001b[2Kimporting 1000/2000 (50%)\r\u001b[2K');
  });

  it('draws no progress in --json mode or when stderr is not a terminal', () => {
    jest.useFakeTimers({ now: 0 });
    const json = stream(true);
    const pipe = stream(false);
    const a = new CliOutput(true, { stdout: stream(true), stderr: json }).progress('x', 10);
    const b = new CliOutput(false, { stdout: stream(true), stderr: pipe }).progress('x', 10);
    jest.setSystemTime(1000);
    for (const p of [a, b]) {
      p.update(5);
      p.done();
    }
    expect(json.text() + pipe.text()).toBe('');
  });

  it('clears a drawn progress line before anything else is written, and draws it again at the next update', () => {
    // Prepare: both streams on one terminal, as a person sees them.
    jest.useFakeTimers({ now: 0 });
    const screen: string[] = [];
    const terminal = (): OutputStream => ({ isTTY: true, write: (c: string, cb?: (err?: Error | null) => void) => (screen.push(c), cb?.(), true) });
    const cli = new CliOutput(false, { stdout: terminal(), stderr: terminal() });
    const progress = cli.progress('probing', 2);
    jest.setSystemTime(300);
    progress.update(2);

    // Act: an alert printed through the sink the console notifier writes to, a note, then more progress.
    const handed = jest.fn();
    cli.lines.write('ALERT\n', handed);
    cli.note('a warning');
    jest.setSystemTime(500);
    progress.update(2);
    progress.done();
    cli.line('after');

    // Assess
    expect(screen).toEqual(['\r\u001b[2Kprobing 2/2 (100%)', '\r\u001b[2K', 'ALERT\n', 'portwatch: a warning\n', '\r\u001b[2Kprobing 2/2 (100%)', '\r\u001b[2K', 'after\n']);
    expect(handed).toHaveBeenCalledTimes(1);
  });

  it('keeps stdout for results and stderr for diagnostics', () => {
    const out = stream(false);
    const err = stream(false);
    const cli = new CliOutput(true, { stdout: out, stderr: err });
    cli.data({ a: 1 });
    cli.note('something to say');
    expect(out.text()).toBe('{"a":1}\n');
    expect(err.text()).toBe('portwatch: something to say\n');
    expect(cli.interactive).toBe(false);
  });
});
