/**
 * schemas/portwatch-event.schema.json against what the EventBridge sink sends: for every alert event
 * kind, the PutEvents entry wrapped in the envelope EventBridge delivers to a rule's target, validated
 * with ajv. The schema's detail-types are exactly the code's, so a rule written from the schema matches.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { DETAIL_TYPES, eventEntry } from '../../lambda/monitor/event-entry';
import type { AlertEvent } from '../../lambda/monitor/model';
import { alertOfEachKind } from '../helpers/sample-alerts';

const schema = JSON.parse(readFileSync(join(__dirname, '../../schemas/portwatch-event.schema.json'), 'utf8')) as { properties: { 'detail-type': { enum: string[] } } };
const ajv = new Ajv({ allErrors: true, strict: true });
// ajv-formats is not a dependency; date-time is the one format the schema uses.
ajv.addFormat('date-time', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
const validate = ajv.compile(schema);

/** The event as EventBridge hands it to a target: its envelope around the entry's fields. */
function delivered(event: AlertEvent) {
  const entry = eventEntry(alertOfEachKind()[event], 'default');
  return {
    version: '0', id: randomUUID(), 'detail-type': entry.DetailType, source: entry.Source, account: '123456789012',
    time: entry.Time.toISOString().replace(/\.\d+Z$/, 'Z'), region: 'eu-west-1', resources: entry.Resources, detail: JSON.parse(entry.Detail) as Record<string, unknown>,
  };
}

const KINDS = Object.keys(DETAIL_TYPES) as AlertEvent[];

describe('schemas/portwatch-event.schema.json', () => {
  test.each(KINDS)('validates the %s event as sent', (kind) => {
    const event = delivered(kind);
    expect(validate(event) ? [] : validate.errors).toEqual([]);
    expect(event.detail.event).toBe(kind);
  });

  test('names every detail-type the code sends, and no other', () => {
    expect([...schema.properties['detail-type'].enum].sort()).toEqual(Object.values(DETAIL_TYPES).sort());
  });

  test('refuses a detail whose event disagrees with its detail-type, and a detail missing a field', () => {
    const swapped = { ...delivered('opened'), 'detail-type': DETAIL_TYPES.closed };
    const { evidence: _dropped, ...rest } = delivered('opened').detail;
    expect(validate(swapped)).toBe(false);
    expect(validate({ ...delivered('opened'), detail: rest })).toBe(false);
  });
});
