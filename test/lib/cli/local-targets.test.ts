import { planSync } from '../../../lib/cli/local-targets';
import { parseTargetsText } from '../../../lib/cli/targets-file';

/** The table before the read: two targets, one with the digest the prober keeps on it. */
const current = new Map<string, Record<string, unknown>>([
  ['a.example:1', { target: 'a.example:1', expect: 'closed', digest: { v: 1, s: 'closed', f: '', c: 'x' } }],
  ['b.example:1', { target: 'b.example:1' }],
]);

function plan(text: string) {
  const parsed = parseTargetsText(text, { fileName: 't.txt' });
  return planSync('t.txt', parsed.entries, parsed.errors, current);
}

describe('planSync: what a read of the targets file does to the local Targets table', () => {
  it('makes the table equal to a clean file: absent targets leave it', () => {
    const p = plan('a.example:1 expect=closed\nc.example:1\n');
    expect(p).toEqual({ items: [{ target: 'a.example:1', expect: 'closed' }, { target: 'c.example:1' }], prune: true, held: [], keptAbsent: [], warnings: [] });
  });

  it('keeps the last valid definition of a target whose line is refused, with the error on its item (not the digest)', () => {
    const p = plan('a.example:1 expect=clsoed\nb.example:1\n');
    expect(p.items).toEqual([
      { target: 'b.example:1' },
      { target: 'a.example:1', expect: 'closed', definitionError: 't.txt:1: expect: "clsoed" must be one of open, closed' },
    ]);
    expect(p.held).toEqual(['a.example:1']);
    expect(p.warnings).toEqual(['t.txt:1: expect: "clsoed" must be one of open, closed; a.example:1 keeps its last valid definition until the line is fixed']);
    // Every refused line is an edit of a known target: the others may still leave.
    expect(p.prune).toBe(true);
  });

  it('still removes a target deleted in the same edit that broke another line', () => {
    const p = plan('a.example:1 expct=closed\n');
    expect(p.items.map((i) => i.target)).toEqual(['a.example:1']);
    expect(p.prune).toBe(true);
    expect(p.keptAbsent).toEqual([]);
  });

  it('removes nothing while a refused line names no target of the table: it may be the edit of a missing one', () => {
    for (const text of ['b.example:1\nbad_host!:1 expect=open\n', 'b.example:1\nrenamed.example:1 expect=clsoed\n', 'garbage in = out\n{{{\n']) {
      const p = plan(text);
      expect(p.prune).toBe(false);
      expect(p.keptAbsent).toContain('a.example:1');
      expect(p.warnings.every((w) => w.includes('no target leaves the watch until it is fixed'))).toBe(true);
    }
    const renamed = plan('b.example:1\nrenamed.example:1 expect=clsoed\n');
    expect(renamed.warnings).toEqual([
      't.txt:2: expect: "clsoed" must be one of open, closed; new target renamed.example:1 is not watched until the line is fixed; no target leaves the watch until it is fixed (1 no longer in the file is still watched)',
    ]);
    // The kept target says why it is still there, for `portwatch status`.
    expect(renamed.items).toEqual([
      { target: 'b.example:1' },
      { target: 'a.example:1', expect: 'closed', definitionError: 'not in t.txt any more, kept while t.txt:2 cannot be matched to a target' },
    ]);
  });

  it('treats a repeated key as accounted for: the first line defines the target, and the warning says so', () => {
    const p = plan('b.example:1\nb.example:1 expect=open\n');
    expect(p.prune).toBe(true);
    expect(p.held).toEqual([]);
    expect(p.warnings).toEqual(['t.txt:2: target: "b.example:1" repeats line 1; the first one is kept']);
  });

  it('joins the errors of two refused lines for the same target', () => {
    const p = plan('a.example:1 expect=x\na.example:1 depth=y\nb.example:1\n');
    expect(p.items.find((i) => i.target === 'a.example:1')?.definitionError).toBe(
      't.txt:1: expect: "x" must be one of open, closed; t.txt:2: depth: "y" must be one of tcp, tls, mqtt',
    );
  });
});
