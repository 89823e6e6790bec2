/**
 * The three file formats of a targets file (targets.txt lines, CSV with a header, a JSON array), read
 * into raw items that keep their line numbers, so an error can name FILE:LINE. Validation is not
 * here: targets-file.ts hands every raw item to the prober's own parser.
 */
import { parseTargetKey, type ParseResult } from '../../lambda/monitor/target';
import { plural } from '../../lambda/parse/plural';
import { UsageError } from './cli-io';

/** Attributes of the line format, mapped to the item attribute they set. `label` is handled apart. */
const LINE_ATTRIBUTES: Readonly<Record<string, string>> = {
  expect: 'expect',
  depth: 'depth',
  protocol: 'protocol',
  port: 'port',
  enabled: 'enabled',
  timeout: 'timeoutMs',
  timeoutms: 'timeoutMs',
  description: 'description',
  muteuntil: 'muteUntil',
  remindevery: 'remindEvery',
  servername: 'serverName',
  every: 'every',
};
const LINE_ATTRIBUTE_NAMES = 'expect, depth, protocol, port, enabled, timeoutMs, description, muteUntil, remindEvery, label, serverName, every';

/** CSV columns (case-insensitive), mapped to item attributes. */
const CSV_COLUMNS: Readonly<Record<string, string>> = { target: 'target', ...LINE_ATTRIBUTES, labels: 'labels', label: 'labels' };

function fieldError(field: string, value: string, reason: string): ParseResult<never> {
  return { ok: false, error: { field, value: JSON.stringify(value), reason } };
}

/** Splits a line into whitespace-separated tokens; `name="a b"` keeps its spaces; `#` starts a comment. */
function tokenize(line: string): ParseResult<string[]> {
  const tokens: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i] as string)) i++;
    if (i >= line.length || line[i] === '#') break;
    let token = '';
    while (i < line.length && !/\s/.test(line[i] as string)) {
      const ch = line[i] as string;
      if (ch === '"' || ch === "'") {
        const end = line.indexOf(ch, i + 1);
        if (end === -1) return fieldError('line', line.trim(), `has an unclosed ${ch} quote`);
        token += line.slice(i + 1, end);
        i = end + 1;
      } else {
        token += ch;
        i++;
      }
    }
    tokens.push(token);
  }
  return { ok: true, value: tokens };
}

/**
 * Reads one line of the `targets.txt` format into a Targets-table item (not yet validated):
 * `host[:port] [expect=closed|open] [depth=tcp|tls|mqtt] [protocol=udp] [label=k=v]... [description="..."]`.
 * Resolves to null for a blank or comment line.
 */
export function parseTargetLine(line: string): ParseResult<Record<string, unknown> | null> {
  const tokens = tokenize(line);
  if (!tokens.ok) return tokens;
  const [key, ...attributes] = tokens.value;
  if (key === undefined) return { ok: true, value: null };
  if (key.includes('=') && !key.startsWith('[')) return fieldError('target', key, 'must come first on the line, as host or host:port');
  const item: Record<string, unknown> = { target: key };
  const labels: Record<string, string> = {};
  let hasLabels = false;
  for (const token of attributes) {
    const eq = token.indexOf('=');
    if (eq <= 0) return fieldError('attribute', token, `is not name=value (one of ${LINE_ATTRIBUTE_NAMES}); a target has no spaces`);
    const name = token.slice(0, eq).toLowerCase();
    const value = token.slice(eq + 1);
    if (name === 'label' || name === 'labels') {
      // label=k=v, or label=k for a label without a value (matched by name alone in filter policies).
      const sep = value.indexOf('=');
      const labelName = sep === -1 ? value : value.slice(0, sep);
      if (labelName === '') return fieldError('label', value, 'needs a name: label=name=value');
      labels[labelName] = sep === -1 ? '' : value.slice(sep + 1);
      hasLabels = true;
      continue;
    }
    const attribute = LINE_ATTRIBUTES[name];
    if (attribute === undefined) return fieldError(token.slice(0, eq), token, `is not a known attribute (one of ${LINE_ATTRIBUTE_NAMES})`);
    if (item[attribute] !== undefined) return fieldError(attribute, value, 'is given twice on the line');
    item[attribute] = value;
  }
  if (hasLabels) item.labels = labels;
  return { ok: true, value: item };
}

/** A key that `parseTargetKey` accepts, as written; null for anything else. */
export function usableKey(value: unknown): string | null {
  return typeof value === 'string' && parseTargetKey(value).ok ? value : null;
}

/** The key a targets.txt line starts with, even when the rest of the line is refused. */
export function keyOfLine(line: string): string | null {
  const first = line.trim().split(/\s+/)[0] ?? '';
  if (first.startsWith('#') || first.includes('=') || /["']/.test(first)) return null;
  return usableKey(first);
}


export type RawItem = {
  readonly line: number;
  readonly item: ParseResult<Record<string, unknown>>;
  /** For an item refused before it was built: the key its text still names (see TargetsLineError.key). */
  readonly key?: string | null;
};

export function readLineItems(text: string): RawItem[] {
  const out: RawItem[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    const item = parseTargetLine(line);
    if (!item.ok) out.push({ line: index + 1, item, key: keyOfLine(line) });
    else if (item.value !== null) out.push({ line: index + 1, item: { ok: true, value: item.value } });
  });
  return out;
}

export function where(fileName: string | undefined, line: number): string {
  return `${fileName ?? 'targets'}:${line}`;
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Line on which each element of the top-level JSON array starts. */
function arrayElementLines(text: string): number[] {
  const lines: number[] = [];
  let depth = 0;
  let line = 1;
  let inString = false;
  let escaped = false;
  let expecting = false;
  for (const ch of text) {
    if (ch === '\n') line++;
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === '\\') escaped = true;
      else if (ch === '"') inString = false;
      continue;
    }
    if (depth === 1 && expecting && !/[\s,\]]/.test(ch)) {
      lines.push(line);
      expecting = false;
    }
    if (ch === '"') inString = true;
    else if (ch === '[' || ch === '{') {
      depth++;
      if (depth === 1) expecting = true;
    } else if (ch === ']' || ch === '}') depth--;
    else if (ch === ',' && depth === 1) expecting = true;
  }
  return lines;
}

export function readJsonItems(text: string, fileName: string | undefined): RawItem[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const position = /position (\d+)/.exec((err as Error).message);
    const line = position ? lineAt(text, Number(position[1])) : lineAt(text, text.length);
    throw new UsageError(`${where(fileName, line)}: not valid JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(value)) throw new UsageError(`${where(fileName, 1)}: a JSON targets file must be an array of items`);
  const lines = arrayElementLines(text);
  return value.map((element: unknown, index): RawItem => {
    const line = lines[index] ?? 1;
    // A string element is one line of the targets.txt format: ["broker:8883 expect=closed"].
    if (typeof element === 'string') {
      const item = parseTargetLine(element);
      if (!item.ok) return { line, item, key: keyOfLine(element) };
      return { line, item: item.value === null ? fieldError('target', element, 'is empty') : { ok: true, value: item.value } };
    }
    if (typeof element !== 'object' || element === null || Array.isArray(element)) {
      return { line, item: { ok: false, error: { field: `item ${index + 1}`, value: JSON.stringify(element) ?? String(element), reason: 'must be an object with a "target"' } } };
    }
    return { line, item: { ok: true, value: element as Record<string, unknown> } };
  });
}

/** RFC 4180 records with the line each starts on; quoted cells may hold commas, quotes ("") and newlines. */
function csvRecords(text: string): { line: number; cells: string[] }[] {
  const records: { line: number; cells: string[] }[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  let touched = false;
  const endRecord = (): void => {
    cells.push(cell);
    if (touched || cells.length > 1 || cell.trim() !== '') records.push({ line: start, cells });
    cells = [];
    cell = '';
    touched = false;
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else {
        if (ch === '\n') line++;
        cell += ch;
      }
      continue;
    }
    if (ch === '"') {
      quoted = true;
      touched = true;
    } else if (ch === ',') {
      cells.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      start = line;
    } else cell += ch;
  }
  if (cell !== '' || cells.length > 0 || touched) endRecord();
  return records;
}

export function readCsvItems(text: string, fileName: string | undefined): RawItem[] {
  const records = csvRecords(text).filter((r) => !(r.cells.length === 1 && (r.cells[0] ?? '').trim().startsWith('#')));
  const [header, ...rows] = records;
  if (header === undefined) return [];
  const columns = header.cells.map((c) => c.trim().toLowerCase());
  columns.forEach((column, index) => {
    if (CSV_COLUMNS[column] === undefined) {
      throw new UsageError(
        `${where(fileName, header.line)}: column ${index + 1} ${JSON.stringify(header.cells[index])} is not one of target, ${LINE_ATTRIBUTE_NAMES.replace(', label', ', labels')}`,
      );
    }
    if (columns.indexOf(column) !== index) throw new UsageError(`${where(fileName, header.line)}: column ${JSON.stringify(column)} appears twice`);
  });
  if (!columns.includes('target')) throw new UsageError(`${where(fileName, header.line)}: the header has no "target" column`);
  return rows.map(({ line, cells }): RawItem => {
    if (cells.length > columns.length) {
      return { line, item: fieldError('row', cells.join(','), `has ${plural(cells.length, 'cell')} but the header names ${plural(columns.length, 'column')}`) };
    }
    const item: Record<string, unknown> = {};
    for (const [index, column] of columns.entries()) {
      const value = (cells[index] ?? '').trim();
      if (value === '') continue;
      const attribute = CSV_COLUMNS[column] as string;
      if (attribute === 'labels') {
        // One cell of `name=value` pairs separated by `;`, e.g. `team=iot;site=lyon`.
        item.labels = Object.fromEntries(
          value
            .split(';')
            .map((pair) => pair.trim())
            .filter((pair) => pair !== '')
            .map((pair) => (pair.includes('=') ? [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)] : [pair, ''])),
        );
      } else item[attribute] = value;
    }
    if (item.target === undefined) return { line, item: fieldError('target', '', 'is empty') };
    return { line, item: { ok: true, value: item } };
  });
}
