/**
 * The digest as a field of a Targets item: the attribute it lives in, reading it back, and leaving
 * it out. Target parsing, the digest store and whole-item writers share these without the digest
 * rules (digest.ts), which read state and transition rules that item parsing has no need of.
 */
import type { ProbeStatus } from '../probe/types';
import type { StateDigest } from './model';

/** The Targets-item attribute the digest lives in. */
export const DIGEST_ATTRIBUTE = 'digest';

const STATUSES: readonly ProbeStatus[] = ['open', 'closed', 'filtered', 'unreachable', 'error'];

/**
 * Reads a digest from a Targets item. Anything malformed (hand-edited, a tombstone) is no digest:
 * it can only cost a state read, never an error for the target.
 */
export function parseDigest(value: unknown): StateDigest | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const d = value as Record<string, unknown>;
  if (typeof d.v !== 'number' || !Number.isSafeInteger(d.v) || d.v < 1) return null;
  if (typeof d.s !== 'string' || !STATUSES.includes(d.s as ProbeStatus)) return null;
  // A digest without `k` was written before certificates were part of it: it could settle a look
  // at a new certificate, so it is not used; the next quiet tick replaces it (same version).
  if (typeof d.f !== 'string' || typeof d.c !== 'string' || typeof d.k !== 'string') return null;
  if (d.r !== undefined && (typeof d.r !== 'number' || !Number.isFinite(d.r))) return null;
  return { v: d.v, s: d.s as ProbeStatus, f: d.f, c: d.c, k: d.k, ...(typeof d.r === 'number' ? { r: d.r } : {}) };
}

/**
 * The item without its digest. Whole-item writers (the CLI's put, import, mute) use it: an item read
 * earlier and written back would put back the digest it was read with, which may be stale by then.
 */
export function withoutDigest(item: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> {
  if (!(DIGEST_ATTRIBUTE in item)) return item;
  const { [DIGEST_ATTRIBUTE]: _digest, ...rest } = item;
  return rest;
}
