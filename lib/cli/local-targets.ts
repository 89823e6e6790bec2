/**
 * The targets of a `portwatch local` run: the TARGET arguments and the --targets file, read again
 * whenever the file changes and made the content of the local Targets table. A refused line never
 * stops the watch of a target: the target keeps its last valid definition, with the error recorded
 * on its item for `portwatch status`, and a warning is printed every tick until the line is fixed.
 */
import { stat } from 'node:fs/promises';
import type { DynamoDbTargets } from '../../lambda/adapters/operator/dynamodb-targets';
import { withoutDigest } from '../../lambda/monitor/digest-field';
import { UsageError } from './cli-io';
import { plural } from '../../lambda/parse/plural';
import type { CliOutput } from './output';
import { syncTargets } from './targets-sync';
import { DEFINITION_ERROR_ATTRIBUTE, definitionErrorOf, formatLineError, readTargetsFile, type TargetsEntry, type TargetsLineError } from './targets-file';

type Item = Readonly<Record<string, unknown>>;

/** What the Targets table must hold after a read of the input, and what to tell the user about it. */
export interface SyncPlan {
  /**
   * The items the table must hold: each valid entry, and the last valid definition of each held or
   * kept target, with why on it (DEFINITION_ERROR_ATTRIBUTE).
   */
  readonly items: readonly Item[];
  /** Whether targets the items do not name leave the table. */
  readonly prune: boolean;
  /** Targets whose line is refused and that keep their last valid definition. */
  readonly held: readonly string[];
  /** Targets missing from the input that stay because a refused line may be an edit of them. */
  readonly keptAbsent: readonly string[];
  /** One line per refused line: where, the field, the value, why, and what happens to the target. */
  readonly warnings: readonly string[];
}

/**
 * Decides what a read of the input does to the table (`current`, by key). A refused line whose key
 * reads and is in the table is an edit of that target gone wrong: the target is held at its last
 * valid definition. A refused line that names no target of the table (no readable key, or a key
 * never valid) could be an edit of any target missing from the input (a host typed wrong, a
 * rename): while there is one, no target is removed. Removing one is final (its watch stops), while
 * keeping one a little longer costs a probe; a typo must never be the thing that stops a watch.
 */
export function planSync(fileName: string, entries: readonly TargetsEntry[], refused: readonly TargetsLineError[], current: ReadonlyMap<string, Item>): SyncPlan {
  const wanted = new Set(entries.map((e) => e.target.target));
  const heldErrors = new Map<string, string[]>();
  for (const e of refused) {
    if (e.key === null || wanted.has(e.key) || !current.has(e.key)) continue;
    heldErrors.set(e.key, [...(heldErrors.get(e.key) ?? []), formatLineError(fileName, e)]);
  }
  const held = [...heldErrors.keys()].sort();
  // A duplicate of a line still in the file, or an edit of a held target: either way the line is accounted for.
  const accounted = (e: TargetsLineError): boolean => e.key !== null && (wanted.has(e.key) || current.has(e.key));
  const blocking = refused.filter((e) => !accounted(e));
  const prune = blocking.length === 0;
  const keptAbsent = prune ? [] : [...current.keys()].filter((k) => !wanted.has(k) && !heldErrors.has(k)).sort();
  const lastValid = (key: string, error: string): Item => ({ ...withoutDigest(current.get(key) as Item), [DEFINITION_ERROR_ATTRIBUTE]: error });
  const keptWhy = `not in ${fileName} any more, kept while ${blocking.map((e) => `${fileName}:${e.line}`).join(', ')} cannot be matched to a target`;
  const keptItems = [...held.map((key) => lastValid(key, (heldErrors.get(key) as string[]).join('; '))), ...keptAbsent.map((key) => lastValid(key, keptWhy))];
  const stillWatched = keptAbsent.length > 0 ? `; no target leaves the watch until it is fixed (${keptAbsent.length} no longer in the file ${keptAbsent.length === 1 ? 'is' : 'are'} still watched)` : '';
  const warnings = [...refused]
    .sort((a, b) => a.line - b.line)
    .map((e) => {
      const where = formatLineError(fileName, e);
      // The message of a repeated key already says that the first line is kept.
      if (e.key !== null && wanted.has(e.key)) return where;
      if (e.key !== null && heldErrors.has(e.key)) return `${where}; ${e.key} keeps its last valid definition until the line is fixed`;
      return `${where}${e.key !== null ? `; new target ${e.key} is not watched until the line is fixed` : ''}${stillWatched}`;
    });
  return { items: [...entries.map((e) => e.item), ...keptItems], prune, held, keptAbsent, warnings };
}

/** A read of the input: its valid entries and its refused lines. */
export interface InputRead {
  readonly entries: readonly TargetsEntry[];
  readonly refused: readonly TargetsLineError[];
}

/**
 * The run's input and the local Targets table it feeds. The file is read again whenever its size or
 * modification time changes, so editing targets.txt under a running `npm start` takes effect at the
 * next tick.
 */
export class LocalTargets {
  private stamp: string | null = null;
  private warnings: readonly string[] = [];
  /** Lines of the file refused at its latest read. */
  private refusedLines = 0;
  /** Why the file could not be read at all the last time it changed; null once it can be. */
  private unreadable: string | null = null;

  constructor(
    private readonly file: string | undefined,
    private readonly args: readonly TargetsEntry[],
    private readonly out: CliOutput,
    private readonly stateDir: string,
  ) {}

  /** True when the run was given targets, false when it watches what the table holds. */
  get given(): boolean {
    return this.file !== undefined || this.args.length > 0;
  }

  get source(): string {
    return this.file ?? 'arguments';
  }

  /** Reads the input again when the file changed, and makes the table match it (see apply). */
  async refresh(repo: DynamoDbTargets, verb: 'from' | 'now in'): Promise<number | null> {
    const read = await this.read();
    return read === null ? null : this.apply(repo, read, verb);
  }

  /** Makes the table match a read of the input; resolves to the number of targets the table holds then. */
  async apply(repo: DynamoDbTargets, read: InputRead, verb: 'from' | 'now in'): Promise<number> {
    const current = new Map<string, Item>();
    for (const item of await repo.listAll()) if (typeof item.target === 'string') current.set(item.target, item);
    const plan = planSync(this.source, read.entries, read.refused, current);
    const sync = await syncTargets(
      repo,
      plan.items.map((item) => ({ item })),
      { prune: plan.prune, progress: this.out.progress('loading targets', plan.items.length) },
    );
    // Items rewritten only to record or clear a definition error are counted apart from real changes
    // (a fixed line may also change the definition; it counts as fixed).
    const rewritten = [...plan.held, ...plan.keptAbsent].filter((key) => definitionErrorOf(current.get(key) ?? null) !== definitionErrorOf(plan.items.find((i) => i.target === key) ?? null)).length;
    const fixed = read.entries.filter((e) => definitionErrorOf(current.get(e.target.target) ?? null) !== null).length;
    const extra = [
      fixed > 0 ? `, ${fixed} fixed` : '',
      plan.held.length > 0 ? `, ${plan.held.length} kept at ${plan.held.length === 1 ? 'its' : 'their'} last valid definition` : '',
      plan.keptAbsent.length > 0 ? `, ${plan.keptAbsent.length} kept while a line is refused` : '',
    ].join('');
    this.out.note(
      `${plural(read.entries.length, 'target')} ${verb} ${this.source}: ${sync.added} added, ${sync.changed - rewritten - fixed} changed, ${sync.removed} removed${extra} (state in ${this.stateDir})`,
    );
    this.warnings = plan.warnings;
    this.refusedLines = read.refused.length;
    return plan.items.length;
  }

  /** Prints what is wrong with the input, one line each; called every tick, so a problem is not missed. */
  warn(): void {
    if (this.unreadable !== null) this.out.note(`${this.unreadable}; keeping the current targets`);
    else for (const warning of this.warnings) this.out.note(warning);
  }

  /** What is still wrong with the input, said once at the end of the run; null when nothing is. */
  get problem(): string | null {
    if (this.unreadable !== null) return `${this.source} could not be read at its last change; the targets of its last good read ran`;
    if (this.refusedLines > 0) return `${plural(this.refusedLines, 'line')} of ${this.source} refused (listed above); the other targets ran`;
    return null;
  }

  /** All entries at the first call; later, those of the file when it changed, else null. */
  async read(): Promise<InputRead | null> {
    const first = this.stamp === null;
    let fromFile: InputRead = { entries: [], refused: [] };
    if (this.file !== undefined) {
      const info = await stat(this.file).catch(() => null);
      const stamp = info ? `${info.mtimeMs}:${info.size}` : 'missing';
      if (stamp === this.stamp) return null;
      this.stamp = stamp;
      try {
        const parsed = await readTargetsFile(this.file);
        fromFile = { entries: parsed.entries, refused: parsed.errors };
        this.unreadable = null;
      } catch (err) {
        // At start a bad file is bad usage; later, a half-saved edit or a deleted file must not stop the watch.
        if (first || !(err instanceof UsageError)) throw err;
        this.unreadable = err.message;
        return null;
      }
    } else if (!first) return null;
    else this.stamp = 'arguments';
    // An argument naming the same key as a file line wins: it was typed for this run.
    const argKeys = new Set(this.args.map((e) => e.target.target));
    return { entries: [...this.args, ...fromFile.entries.filter((e) => !argKeys.has(e.target.target))], refused: fromFile.refused };
  }
}
