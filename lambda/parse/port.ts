/** A TCP/UDP port as targets, attributes and flags give it: an integer 1-65535, as a number or text. */
import { fail, type ParseResult } from './field-error';

/** Parses a port given as a number or a string of digits; `8883x`, 0 and 65536 are refused. */
export function parsePort(value: unknown, field: string): ParseResult<number> {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : null;
  if (text === null || !/^\d{1,5}$/.test(text)) return fail(field, value, 'is not a port (an integer 1-65535)');
  const port = Number(text);
  if (port < 1 || port > 65535) return fail(field, value, 'is not a port (an integer 1-65535)');
  return { ok: true, value: port };
}
