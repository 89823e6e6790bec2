/**
 * Reading targets from files: the `targets.txt` line format, CSV with a header, or a JSON array of
 * Targets-table items. Every item goes through `parseTargetItem`, the validation the prober applies,
 * so a file the CLI accepts is a file the prober accepts.
 */
import { readFile } from 'node:fs/promises';
import type { Target } from '../../lambda/monitor/model';
import { DEFAULT_PORT, formatFieldError, parseTargetItem } from '../../lambda/monitor/target';
import { UsageError } from './cli-io';
import { readCsvItems, readJsonItems, readLineItems, usableKey, type RawItem } from './targets-formats';

export type TargetsFormat = 'lines' | 'csv' | 'json';

export interface TargetsEntry {
  /** 1-based line of the file where the target is written. */
  readonly line: number;
  /** The item to store in the Targets table, as the user wrote it. */
  readonly item: Readonly<Record<string, unknown>>;
  readonly target: Target;
}

export interface TargetsLineError {
  readonly line: number;
  readonly message: string;
  /**
   * The target the refused line names when its key reads as one (`host:port` fine, an attribute
   * wrong): the line is an edit of that target. Null when the line cannot be matched to any target.
   */
  readonly key: string | null;
}

/**
 * The Targets-item attribute in which `portwatch local` records why the targets-file line of a target
 * is refused while the item keeps the target's last valid definition; `portwatch status` shows it.
 * Not a target attribute: the dispatcher passes on only the attributes the prober knows.
 */
export const DEFINITION_ERROR_ATTRIBUTE = 'definitionError';

/** The definition error recorded on a Targets item, or null when there is none. */
export function definitionErrorOf(item: Readonly<Record<string, unknown>> | null): string | null {
  const value = item?.[DEFINITION_ERROR_ATTRIBUTE];
  return typeof value === 'string' && value !== '' ? value : null;
}

export interface ParsedTargets {
  readonly format: TargetsFormat;
  readonly entries: readonly TargetsEntry[];
  /** Lines that were refused; the rest of the file is still usable. */
  readonly errors: readonly TargetsLineError[];
}

export interface ParseTargetsOptions {
  /** Decides the format when the content does not: a `.csv` name means CSV. */
  readonly fileName?: string;
  readonly defaultPort?: number;
}

/**
 * The item to store: the attributes the user gave, with the values as the prober reads them
 * (`enabled=false` becomes a boolean, `port=1883` a number), so the table holds clean, typed items.
 * Attributes portwatch does not know (possible in JSON files) are kept: the table is the user's.
 */
export function normalizeItem(raw: Readonly<Record<string, unknown>>, target: Target): Record<string, unknown> {
  const item: Record<string, unknown> = { ...raw, target: target.target };
  const given = (name: string): boolean => raw[name] !== undefined && raw[name] !== null;
  if (given('port')) item.port = target.port;
  if (given('protocol')) item.protocol = target.transport;
  if (given('expect')) item.expect = target.expect;
  if (given('depth')) item.depth = target.depth;
  if (given('enabled')) item.enabled = target.enabled;
  if (given('labels')) item.labels = { ...target.labels };
  if (given('timeoutMs')) item.timeoutMs = target.timeoutMs;
  if (given('description')) item.description = target.description;
  if (given('serverName')) item.serverName = target.serverName;
  return item;
}

/** `FILE:LINE: message`, the form editors and terminals turn into a link. */
export function formatLineError(fileName: string, error: TargetsLineError): string {
  return `${fileName}:${error.line}: ${error.message}`;
}

function detectFormat(text: string, fileName: string | undefined): TargetsFormat {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('[')) return 'json';
  if (fileName !== undefined && /\.csv$/i.test(fileName)) return 'csv';
  // A comma can never appear in a host name, so a first line naming a `target` column is a CSV header.
  const first = text.split(/\r?\n/).find((l) => l.trim() !== '' && !l.trim().startsWith('#')) ?? '';
  if (/^\s*"?target"?\s*,/i.test(first)) return 'csv';
  return 'lines';
}

/** Parses the content of a targets file (format detected from the content and the name). */
export function parseTargetsText(text: string, options: ParseTargetsOptions = {}): ParsedTargets {
  const body = text.replace(/^\uFEFF/, '');
  const format = detectFormat(body, options.fileName);
  const raw = format === 'json' ? readJsonItems(body, options.fileName) : format === 'csv' ? readCsvItems(body, options.fileName) : readLineItems(body);
  return validate(format, raw, options.defaultPort ?? DEFAULT_PORT);
}

export async function readTargetsFile(fileName: string, options: Omit<ParseTargetsOptions, 'fileName'> = {}): Promise<ParsedTargets> {
  let text: string;
  try {
    text = await readFile(fileName, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : String((err as Error).message);
    throw new UsageError(`cannot read targets file ${fileName}: ${why}`);
  }
  return parseTargetsText(text, { ...options, fileName });
}


function validate(format: TargetsFormat, raw: readonly RawItem[], defaultPort: number): ParsedTargets {
  const entries: TargetsEntry[] = [];
  const errors: TargetsLineError[] = [];
  const firstLine = new Map<string, number>();
  for (const { line, item, key: rawKey } of raw) {
    if (!item.ok) {
      errors.push({ line, message: formatFieldError(item.error), key: rawKey ?? null });
      continue;
    }
    const parsed = parseTargetItem(item.value, defaultPort);
    if (!parsed.ok) {
      errors.push({ line, message: formatFieldError(parsed.error), key: usableKey(item.value.target) });
      continue;
    }
    const key = parsed.value.target;
    const seen = firstLine.get(key);
    if (seen !== undefined) {
      errors.push({ line, message: `target: ${JSON.stringify(key)} repeats line ${seen}; the first one is kept`, key });
      continue;
    }
    firstLine.set(key, line);
    entries.push({ line, item: normalizeItem(item.value, parsed.value), target: parsed.value });
  }
  return { format, entries, errors };
}

