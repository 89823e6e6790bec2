/** Resource tags read as portwatch settings: `portwatch:expect`, `portwatch:ignore`, and the labels copied into alerts. */
import type { Expect } from '../monitor/model';

export const EXPECT_TAG = 'portwatch:expect';
export const IGNORE_TAG = 'portwatch:ignore';
/** What a discovered endpoint expects when its resource has no `portwatch:expect` tag: nothing public should speak 8883 unasked. */
export const DEFAULT_DISCOVERED_EXPECT: Expect = 'closed';
/** Labels per target (target.ts allows 20); the alert carries them as one SNS attribute. */
const MAX_LABELS = 20;
const LABEL_NAME = /^[A-Za-z0-9_.:/-]{1,64}$/;
const MAX_LABEL_VALUE = 128;

export interface TagSettings {
  /** null: alert on any change (`portwatch:expect=any`). */
  readonly expect: Expect | null;
  readonly ignore: boolean;
  readonly labels: Readonly<Record<string, string>>;
  /** Tags that could not be used, each with why (reported by `portwatch discover`, never fatal). */
  readonly warnings: readonly string[];
}

/**
 * `portwatch:expect` = closed | open | any (default closed); `portwatch:ignore` = true skips the
 * resource. Other tags become labels, except AWS's own (`aws:*`), portwatch's, and tags whose name or
 * value a label cannot hold; at most 20, `Name` first, then by name, so a run is repeatable.
 */
export function tagSettings(tags: Readonly<Record<string, string>>, resource: string): TagSettings {
  const warnings: string[] = [];
  let expect: Expect | null = DEFAULT_DISCOVERED_EXPECT;
  const raw = tags[EXPECT_TAG];
  if (raw !== undefined) {
    const value = raw.trim().toLowerCase();
    if (value === 'open' || value === 'closed') expect = value;
    else if (value === 'any') expect = null;
    else warnings.push(`${resource}: tag ${EXPECT_TAG}=${JSON.stringify(raw)} is not open, closed or any; using ${DEFAULT_DISCOVERED_EXPECT}`);
  }
  const ignore = /^(true|yes|1)$/i.test(tags[IGNORE_TAG]?.trim() ?? '');
  const names = Object.keys(tags)
    .filter((k) => !k.startsWith('portwatch:') && !k.startsWith('aws:'))
    .sort((a, b) => (a === 'Name' ? -1 : b === 'Name' ? 1 : a < b ? -1 : a > b ? 1 : 0));
  const labels: [string, string][] = [];
  for (const name of names) {
    const value = tags[name] ?? '';
    if (!LABEL_NAME.test(name) || value.length > MAX_LABEL_VALUE) continue;
    if (labels.length === MAX_LABELS) {
      warnings.push(`${resource}: more than ${MAX_LABELS} usable tags; the rest are not copied into labels`);
      break;
    }
    labels.push([name, value]);
  }
  return { expect, ignore, labels: Object.fromEntries(labels), warnings };
}
