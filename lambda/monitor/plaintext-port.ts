/** The `plaintextPort` target attribute: which port beside the TLS one to check for plaintext MQTT, or none. */
import { fail, type ParseResult } from '../parse/field-error';
import { parsePort } from '../parse/port';

/** Values that switch the check off for a target (a broker whose 1883 is someone else's service, say). */
const OFF: ReadonlySet<unknown> = new Set([false, 'false', 'none', 'off']);

/** undefined: not set (the prober's default applies); null: do not check; else the port (the one port rule, parse/port.ts). */
export function parsePlaintextPort(value: unknown): ParseResult<number | null | undefined> {
  if (value === undefined || value === null) return { ok: true, value: undefined };
  if (OFF.has(typeof value === 'string' ? value.trim().toLowerCase() : value)) return { ok: true, value: null };
  const port = parsePort(value, 'plaintextPort');
  return port.ok ? port : fail('plaintextPort', value, 'is not a port (an integer 1-65535), nor false/none to switch the plaintext-listener check off');
}
