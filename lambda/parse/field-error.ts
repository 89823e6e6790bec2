/**
 * Field errors shared by every parser of user input (targets, windows, address ranges): the field,
 * the value as given (shown safely) and what is wrong with it. Never throws on any value.
 */

/** Why one item was refused: the attribute, the value as given, and what is wrong with it. */
export interface TargetFieldError {
  readonly field: string;
  readonly value: string;
  readonly reason: string;
}

export type ParseResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: TargetFieldError };

const MAX_DESCRIBED_LENGTH = 80;

/**
 * Shows a value in an error message: short, printable, never the whole of a huge string, and never
 * throwing (a BigInt inside a null-prototype object defeats both JSON.stringify and String).
 */
export function describeValue(value: unknown): string {
  const text = renderValue(value);
  return text.length > MAX_DESCRIBED_LENGTH ? `${text.slice(0, MAX_DESCRIBED_LENGTH - 3)}...` : text;
}

function renderValue(value: unknown): string {
  // Only the first characters are ever shown: cut a huge string before JSON-escaping all of it.
  if (typeof value === 'string') return JSON.stringify(value.length > MAX_DESCRIBED_LENGTH ? value.slice(0, MAX_DESCRIBED_LENGTH) : value);
  // JSON.stringify would show NaN and Infinity as null.
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value === undefined || value === null || typeof value === 'symbol' || typeof value === 'function') return String(value);
  try {
    if (value instanceof Set) return `Set ${JSON.stringify([...value])}`;
    if (value instanceof Map) return `Map ${JSON.stringify([...value])}`;
    return JSON.stringify(value) ?? Object.prototype.toString.call(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

export function fail<T>(field: string, value: unknown, reason: string): ParseResult<T> {
  return { ok: false, error: { field, value: describeValue(value), reason } };
}

export function formatFieldError(error: TargetFieldError): string {
  return `${error.field}: ${error.value} ${error.reason}`;
}

