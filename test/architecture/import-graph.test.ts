import { join } from 'node:path';
import { edgesOf, findCycles, firstComment, lineCount, readSources, specifiersOf, type SourceFile } from './source-graph';

/*
 * Layering rules of the sources (lambda/, lib/, bin/), checked on the import graph read from the files:
 * no import cycles, the stack does not reach into Lambda runtime code, the AWS SDK stays in the
 * adapters and composition roots, and no file grows past MAX_LINES without saying why.
 */

const ROOT = join(__dirname, '..', '..');
const FOLDERS = ['lambda', 'lib', 'bin'] as const;
const MAX_LINES = 350;
/** A long file is allowed when its first comment names the limit and gives the reason ("over 350 lines because ..."). */
const LENGTH_EXCUSE = new RegExp(`\\bover ${MAX_LINES} lines\\b`, 'i');

const files: readonly SourceFile[] = readSources(ROOT, FOLDERS);
const under = (prefix: string) => (path: string) => path.startsWith(prefix);

/** One line per offending import: `file imports specifier`. */
function importsMatching(from: (path: string) => boolean, target: (ref: { specifier: string; resolved: string | null }) => boolean): string[] {
  return files.filter((f) => from(f.path)).flatMap((f) => f.imports.filter(target).map((i) => `${f.path} imports ${i.specifier}`));
}

describe('reading the import graph', () => {
  it('finds every statement form, type-only ones too, and nothing quoted in a comment', () => {
    // Prepare
    const text = [
      "import type { A } from './a';",
      "import {\n  b,\n  type C,\n} from './b';",
      "export * from './c';",
      "export type { D } from './d';",
      "import './side-effect';",
      "const e = require('./e') as typeof import('./f');",
      'const out = outputs.require(KEY);',
      "// import { x } from './commented';",
      "/*\n * import { y } from './in-a-block';\n */",
      "const s = 'import z from \"./in-a-string\"';",
    ].join('\n');
    // Act
    const specifiers = specifiersOf(text);
    // Assess
    expect(specifiers).toEqual(['./a', './b', './c', './d', './side-effect', './e', './f']);
  });

  it('names each cycle as a path of files that returns to its start', () => {
    // Prepare
    const edges = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts', 'x.ts']],
      ['c.ts', ['a.ts']],
      ['x.ts', []],
      ['self.ts', ['self.ts']],
    ]);
    // Act
    const cycles = findCycles(edges);
    // Assess
    expect(cycles).toEqual([
      { files: ['a.ts', 'b.ts', 'c.ts'], loop: ['a.ts', 'b.ts', 'c.ts', 'a.ts'] },
      { files: ['self.ts'], loop: ['self.ts', 'self.ts'] },
    ]);
  });

  it('resolves every relative import in the sources, so no edge is silently dropped', () => {
    // Act
    const unresolved = importsMatching(() => true, (i) => i.specifier.startsWith('.') && i.resolved === null);
    // Assess
    expect(unresolved).toEqual([]);
    // The graph is the real one: the prober handler reaches the prober service, the CLI entry its main.
    const edges = edgesOf(files);
    expect(edges.get('lambda/handlers/prober.ts')).toContain('lambda/monitor/prober/service.ts');
    expect(edges.get('bin/portwatch.js')?.length).toBeGreaterThan(0);
  });
});

describe('architecture of lambda/, lib/ and bin/', () => {
  it('has no import cycles (type-only imports included)', () => {
    // Act
    const cycles = findCycles(edgesOf(files)).map((c) => `${c.files.length} files import each other (${c.files.join(', ')}), e.g. ${c.loop.join(' -> ')}`);
    // Assess: move the shared record types into a module below both sides (STYLE.md, rule 11).
    expect(cycles).toEqual([]);
  });

  it('keeps the stack (lib/infra) out of Lambda runtime code: no imports from lambda/handlers or lambda/adapters', () => {
    // Act
    const offenders = importsMatching(under('lib/infra/'), (i) => i.resolved !== null && /^lambda\/(handlers|adapters)\//.test(i.resolved));
    // Assess
    expect(offenders).toEqual([]);
  });

  it('keeps the probe engine (lambda/probe) below the monitor: it imports nothing from lambda/monitor', () => {
    // Act: an import upwards once pulled the target parser (and its cron and time-zone libraries) into every probe bundle.
    const offenders = importsMatching(under('lambda/probe/'), (i) => i.resolved !== null && i.resolved.startsWith('lambda/monitor/'));
    // Assess
    expect(offenders).toEqual([]);
  });

  it('imports @aws-sdk/* only in the adapters and the composition roots (lambda/handlers, lib/cli)', () => {
    // Prepare: the handlers and the CLI build the SDK clients they hand to adapters (STYLE.md: clients built
    // once at module scope and injected); the core (monitor, probe, contracts, parse), the stack and bin/ never.
    const mayUseSdk = (path: string) => ['lambda/adapters/', 'lambda/handlers/', 'lib/cli/'].some((p) => path.startsWith(p));
    // Act
    const offenders = importsMatching((path) => !mayUseSdk(path), (i) => i.specifier.startsWith('@aws-sdk/'));
    // Assess
    expect(offenders).toEqual([]);
  });

  it(`has no source file over ${MAX_LINES} lines unless its first comment says why ("over ${MAX_LINES} lines because ...")`, () => {
    // Act
    const offenders = files
      .map((f) => ({ path: f.path, lines: lineCount(f.text), excused: LENGTH_EXCUSE.test(firstComment(f.text)) }))
      .filter((f) => f.lines > MAX_LINES && !f.excused)
      .map((f) => `${f.path}: ${f.lines} lines`);
    // Assess
    expect(offenders).toEqual([]);
  });
});
