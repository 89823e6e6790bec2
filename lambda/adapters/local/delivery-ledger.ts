/**
 * The ledger of alerts `portwatch local` delivered: one JSON line per alert, appended and fsync'd
 * beside the embedded database once the notifier accepted it. The database can go back in time (a
 * torn LevelDB log is dropped silently on open; a restored backup; a repair); the ledger does not,
 * so it says what the user has already been told and keeps an alert from being delivered twice.
 */
import { open, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DigestStore, Notifier, StateStore } from '../../monitor/dependencies';
import type { Alert, TargetState } from '../../monitor/model';
import { eventItemId } from '../../monitor/state';

export const LEDGER_FILE = 'delivered.jsonl';

/** One line of the ledger. */
export interface DeliveryRecord {
  readonly id: string;
  readonly target: string;
  /** State version of the decision that raised the alert; null for scanner-wide alerts. */
  readonly version: number | null;
  readonly deliveredAt: string;
  readonly alert: Alert;
}

/** The decision version an alert id names (`target@version`, state.ts); null when it names none. */
export function alertVersion(alert: Alert): number | null {
  const at = alert.id.lastIndexOf('@');
  const version = Number(alert.id.slice(at + 1));
  return at > 0 && Number.isSafeInteger(version) && eventItemId(alert.target, version) === alert.id ? version : null;
}

function isRecord(value: unknown): value is DeliveryRecord {
  const r = value as Partial<DeliveryRecord> | null;
  return typeof r === 'object' && r !== null && typeof r.id === 'string' && typeof r.target === 'string' && typeof r.alert === 'object' && r.alert !== null;
}

export class DeliveryLedger {
  private readonly ids = new Map<string, DeliveryRecord>();
  /** Per target, the delivered record with the highest state version: the last thing the user heard. */
  private readonly latest = new Map<string, DeliveryRecord>();

  private constructor(
    readonly path: string,
    /** How messages name the file (the path as the user gave the directory). */
    readonly name: string,
    /** Lines that could not be read (a torn last line after a crash mid-append, or a hand edit). */
    readonly unreadable: number,
    /** The file does not end in a newline: the next record starts a new line first. */
    private tornTail: boolean,
    private exists: boolean,
  ) {}

  /** Reads the ledger at `path`; a missing file is an empty ledger. */
  static async open(path: string, name: string = path): Promise<DeliveryLedger> {
    let text = '';
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      return new DeliveryLedger(path, name, 0, false, false);
    }
    let unreadable = 0;
    const records: DeliveryRecord[] = [];
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        const parsed: unknown = JSON.parse(line);
        if (isRecord(parsed)) records.push(parsed);
        else unreadable++;
      } catch {
        unreadable++;
      }
    }
    const ledger = new DeliveryLedger(path, name, unreadable, text.length > 0 && !text.endsWith('\n'), true);
    for (const r of records) ledger.remember(r);
    return ledger;
  }

  private remember(record: DeliveryRecord): void {
    this.ids.set(record.id, record);
    const last = this.latest.get(record.target);
    if (record.version !== null && (last === undefined || (last.version ?? -1) < record.version)) this.latest.set(record.target, record);
  }

  delivered(id: string): DeliveryRecord | undefined {
    return this.ids.get(id);
  }

  /** Per target, the delivered record with the highest state version. */
  lastDelivered(): ReadonlyMap<string, DeliveryRecord> {
    return this.latest;
  }

  /** Appends the record and waits until it is on disk (fsync), so a crash right after cannot lose it. */
  async record(alert: Alert, now: Date): Promise<void> {
    const record: DeliveryRecord = { id: alert.id, target: alert.target, version: alertVersion(alert), deliveredAt: now.toISOString(), alert };
    const line = `${this.tornTail ? '\n' : ''}${JSON.stringify(record)}\n`;
    const file = await open(this.path, 'a');
    try {
      await file.write(line);
      await file.sync();
    } finally {
      await file.close();
    }
    this.tornTail = false;
    if (!this.exists) {
      // A new file's directory entry is durable only once the directory itself is synced.
      this.exists = true;
      const dir = await open(dirname(this.path), 'r');
      try {
        await dir.sync();
      } catch {
        // Some filesystems refuse fsync on a directory; the file's own fsync is what matters most.
      } finally {
        await dir.close();
      }
    }
    this.remember(record);
  }
}

/**
 * Wraps the notifier of `portwatch local`: an alert whose id the ledger holds is not delivered again
 * (it is resolved, so the prober empties its outbox as if it had been), and every alert the notifier
 * accepts is recorded. Ids are `target@version` and versions only grow while the state does, so the
 * same id means the same decision; after the state went back in time, restoreDelivered() first moves
 * each target's version past what the ledger holds, so an id is never reused for another alert.
 */
export class LedgerNotifier implements Notifier {
  constructor(
    private readonly inner: Notifier,
    private readonly ledger: DeliveryLedger,
    private readonly warn: (message: string) => void,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async publish(alert: Alert): Promise<void> {
    const earlier = this.ledger.delivered(alert.id);
    if (earlier !== undefined) {
      this.warn(`alert ${alert.id} (${alert.event} ${alert.display}) was already delivered at ${earlier.deliveredAt} (${this.ledger.name}): not sent again`);
      return;
    }
    await this.inner.publish(alert);
    try {
      await this.ledger.record(alert, this.now());
    } catch (err) {
      // The alert is out; throwing would make the prober deliver it again next tick. Say what is at risk.
      this.warn(`alert ${alert.id} was delivered but could not be recorded in ${this.ledger.name} (${(err as Error).message}); if the state goes back in time it may be sent again`);
    }
  }
}

/** A target whose stored state is older than the last alert delivered for it. */
export interface RolledBackTarget {
  readonly target: string;
  /** Version of the state item now; null when the item is gone. */
  readonly stateVersion: number | null;
  readonly last: DeliveryRecord;
}

/** The targets whose state is behind the ledger: the database went back in time under them. */
export async function findRolledBack(store: StateStore, ledger: DeliveryLedger): Promise<RolledBackTarget[]> {
  const last = ledger.lastDelivered();
  if (last.size === 0) return [];
  const states = await store.getStates([...last.keys()]);
  const behind: RolledBackTarget[] = [];
  for (const [target, record] of last) {
    const state = states.get(target) ?? null;
    // Equal versions are not behind: the decision is stored, and its outbox entry, if still there, carries the delivered id.
    if (state === null || state.version < (record.version as number)) behind.push({ target, stateVersion: state?.version ?? null, last: record });
  }
  return behind.sort((a, b) => a.target.localeCompare(b.target));
}

/**
 * The state a rolled-back target resumes from: what its last delivered alert said (status, open,
 * findings, evidence), at a version past the alert's. The prober compares the next probe with what
 * the user was last told, so a change already alerted is not alerted again, and a change since then is.
 * Outbox entries keep their history events but lose their alerts: they are older than the alert delivered.
 */
export function deliveredState(state: TargetState | null, record: DeliveryRecord, now: Date): TargetState {
  const alert = record.alert;
  return {
    target: alert.target,
    display: alert.display,
    status: alert.status,
    open: alert.open,
    // The alert tells when its status was seen, not when an unchanged one began: keep what is stored when it agrees.
    since: state !== null && state.open === alert.open ? state.since : alert.at,
    statusSince: state !== null && state.status === alert.status ? state.statusSince : alert.at,
    reason: alert.reason,
    findings: alert.findings,
    evidence: alert.evidence,
    expect: alert.expected,
    version: (record.version as number) + 1,
    updatedAt: now.toISOString(),
    outbox: (state?.outbox ?? []).map(({ claimedBy: _claimedBy, ...entry }) => ({ ...entry, alert: null, claimedUntil: null })),
    held: state?.held ?? null,
    lastAlertAt: alert.at,
  };
}

/**
 * Writes deliveredState() for each rolled-back target. The digest goes first, as the prober does it
 * (DigestStore.invalidate): a digest left from the old state would otherwise let the prober skip reading
 * the restored one. Resolves to the targets restored (a concurrent writer wins over a restore).
 */
export async function restoreDelivered(store: StateStore, digests: DigestStore, behind: readonly RolledBackTarget[], now: Date): Promise<number> {
  let restored = 0;
  for (const b of behind) {
    const current = await store.getState(b.target);
    if (current !== null && current.version >= (b.last.version as number)) continue;
    const next = deliveredState(current, b.last, now);
    await digests.invalidate(b.target, next.version);
    if (await store.putState(next, current?.version ?? null)) restored++;
  }
  return restored;
}
