import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';

/*
 * The import graph of the repository's sources, read from the text: TypeScript 7 has no compiler API
 * and esbuild drops type-only imports, which count here (a type import in a circle is still a circle
 * a reader has to untangle). Statements are matched where TypeScript allows them, at the start of a
 * line, so an import quoted in a comment or a doc string is not an edge.
 */

/** One module specifier as written in a file, with the repository file it resolves to (relative ones only). */
export interface ImportRef {
  readonly specifier: string;
  /** Repository-relative path with `/`, or null for a package (or a relative path that does not resolve). */
  readonly resolved: string | null;
}

export interface SourceFile {
  /** Repository-relative path with `/`. */
  readonly path: string;
  readonly text: string;
  readonly imports: readonly ImportRef[];
}

// `import ... from 'x'`, `import type ... from 'x'`, `export { a } from 'x'`, `export * from 'x'` (across
// lines, up to the first `;`), and `import 'x'` for side effects.
const STATIC = /^[ \t]*(?:import|export)\b[^;'"`]*?\bfrom\s*(['"])([^'"]+)\1|^[ \t]*import\s*(['"])([^'"]+)\3/gm;
// `require('x')`, `import('x')` (also `typeof import('x')` in a type), not a method named `require`.
const CALL = /(?<![.\w$])(?:require|import)\(\s*(['"])([^'"]+)\1\s*\)/g;

/** The module specifiers a source text names, in order of appearance, comments ignored. */
export function specifiersOf(text: string): string[] {
  const code = withoutComments(text);
  const found: { at: number; spec: string }[] = [];
  for (const m of code.matchAll(STATIC)) found.push({ at: m.index, spec: (m[2] ?? m[4]) as string });
  for (const m of code.matchAll(CALL)) found.push({ at: m.index, spec: m[2] as string });
  return found.sort((a, b) => a.at - b.at).map((f) => f.spec);
}

/**
 * Blanks out `//` and `/* *\/` comments that start a line (after indentation), keeping line numbers. A
 * comment after code on the same line is left: it cannot start an import statement, and a call such as
 * `require('x')` written in one is rare enough to fix by hand.
 */
function withoutComments(text: string): string {
  return text.replace(/^[ \t]*\/\*[\s\S]*?\*\//gm, (c) => c.replace(/[^\n]/g, ' ')).replace(/^[ \t]*\/\/.*$/gm, '');
}

const SOURCE_EXTENSIONS = ['.ts', '.js'];

/** Resolves a relative specifier the way tsx and NodeNext do for this repository: `x`, `x.ts`, `x/index.ts`, `x.js` -> `x.ts`. */
export function resolveRelative(root: string, fromPath: string, specifier: string): string | null {
  if (!specifier.startsWith('.')) return null;
  const base = posix.normalize(posix.join(posix.dirname(fromPath), specifier));
  const candidates = [base, ...SOURCE_EXTENSIONS.map((e) => base + e), ...SOURCE_EXTENSIONS.map((e) => `${base}/index${e}`)];
  if (base.endsWith('.js')) candidates.push(base.replace(/\.js$/, '.ts'));
  for (const c of candidates) {
    const full = join(root, c);
    if (existsSync(full) && statSync(full).isFile()) return c;
  }
  return null;
}

function walk(root: string, dir: string, out: string[]): void {
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const rel = posix.join(dir, entry.name);
    if (entry.isDirectory()) walk(root, rel, out);
    else if (SOURCE_EXTENSIONS.some((e) => entry.name.endsWith(e)) && !entry.name.endsWith('.d.ts')) out.push(rel);
  }
}

/** Every `.ts`/`.js` source under the given top-level folders, with its imports resolved. */
export function readSources(root: string, folders: readonly string[]): SourceFile[] {
  const paths: string[] = [];
  for (const folder of folders) walk(root, folder, paths);
  return paths.sort().map((path) => {
    const text = readFileSync(join(root, path), 'utf8');
    const imports = specifiersOf(text).map((specifier) => ({ specifier, resolved: resolveRelative(root, path, specifier) }));
    return { path, text, imports };
  });
}

/** Edges between the given files only (imports of packages and of files outside the set are dropped). */
export function edgesOf(files: readonly SourceFile[]): Map<string, string[]> {
  const known = new Set(files.map((f) => f.path));
  return new Map(files.map((f) => [f.path, [...new Set(f.imports.map((i) => i.resolved).filter((r): r is string => r !== null && known.has(r)))]]));
}

/** Files that import each other in a circle: the whole tangle, and its shortest loop through the first file. */
export interface Cycle {
  readonly files: readonly string[];
  /** A concrete path back to its start: `[a, b, c, a]`. */
  readonly loop: readonly string[];
}

/**
 * The import cycles, one per strongly connected component (Tarjan). Breaking the loop shown may leave
 * other loops in the same tangle; `files` names all of it. Sorted, so the message is stable.
 */
export function findCycles(edges: ReadonlyMap<string, readonly string[]>): Cycle[] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (edges.get(v) ?? []).includes(v)) components.push(component.sort());
    }
  };
  for (const v of [...edges.keys()].sort()) if (!index.has(v)) visit(v);
  return components
    .map((files) => ({ files, loop: shortestLoop(files[0] as string, new Set(files), edges) }))
    .sort((a, b) => (a.files[0] as string).localeCompare(b.files[0] as string));
}

/** The shortest path from `start` back to itself inside one component (breadth first). */
function shortestLoop(start: string, within: ReadonlySet<string>, edges: ReadonlyMap<string, readonly string[]>): string[] {
  const parent = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift() as string;
    for (const w of edges.get(v) ?? []) {
      if (!within.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let u: string | undefined = v; u !== undefined && u !== start; u = parent.get(u)) path.splice(1, 0, u);
        return [...path, start];
      }
      if (!parent.has(w)) {
        parent.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

/** Line count as an editor shows it (a final newline does not start a line). */
export function lineCount(text: string): number {
  return text.length === 0 ? 0 : text.replace(/\n$/, '').split('\n').length;
}

/**
 * The text of the file's first comment that starts a line (a file header, or the first TSDoc when the
 * file opens with imports), without its comment markers; '' if the file has none.
 */
export function firstComment(text: string): string {
  const m = /^[ \t]*\/\*([\s\S]*?)\*\/|^(?:[ \t]*\/\/.*(?:\n|$))+/m.exec(text);
  if (!m) return '';
  if (m[1] !== undefined) return m[1].replace(/^\s*\*+ ?/gm, '').trim();
  return m[0].replace(/^[ \t]*\/\/ ?/gm, '').trim();
}
