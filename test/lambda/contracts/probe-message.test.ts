import { InProcessQueue } from '../../../lambda/adapters/local/in-process-queue';
import { DISPATCHER_DEFAULTS } from '../../../lambda/contracts/dispatcher-env';
import { PROBE_MESSAGE_VERSION, parseProbeMessage } from '../../../lambda/contracts/probe-message';
import { createDispatch } from '../../../lambda/handlers/dispatcher-root';
import type { TargetSource } from '../../../lambda/monitor/dependencies';

const TICK = '2026-11-24T10:00:00Z';

describe('parseProbeMessage', () => {
  it('reads a message of this version: its targets unvalidated, its tick', () => {
    // Act
    const parsed = parseProbeMessage(JSON.stringify({ v: PROBE_MESSAGE_VERSION, tick: TICK, targets: [{ target: 'a.example.com' }, 'garbage'] }));
    // Assess
    expect(parsed).toEqual({ ok: true, message: { tick: TICK, everyMs: null, targets: [{ target: 'a.example.com' }, 'garbage'] } });
  });

  it.each([
    ['absent', {}],
    ['not a date', { tick: 'yesterday' }],
    ['not a string', { tick: 1764000000 }],
  ])('a tick %s leaves the message probed with an unknown tick', (_case, extra) => {
    expect(parseProbeMessage(JSON.stringify({ v: 1, targets: [], ...extra }))).toEqual({ ok: true, message: { tick: null, everyMs: null, targets: [] } });
  });

  it('reads a fast-lane copy: due at the tick plus its delay, with its period', () => {
    const parsed = parseProbeMessage(JSON.stringify({ v: 1, tick: TICK, targets: [], delayS: 30, everyS: 10 }));
    expect(parsed).toEqual({ ok: true, message: { tick: '2026-11-24T10:00:30.000Z', everyMs: 10_000, targets: [] } });
  });

  it.each([
    ['a delay beyond what SQS holds', { delayS: 901, everyS: 10 }],
    ['a fractional delay', { delayS: 1.5, everyS: 10 }],
    ['a period of 0', { delayS: 0, everyS: 0 }],
  ])('ignores %s: the targets are probed at the tick, on the schedule', (_case, lane) => {
    const parsed = parseProbeMessage(JSON.stringify({ v: 1, tick: TICK, targets: [], ...lane }));
    expect(parsed.ok && Date.parse(parsed.message.tick ?? '')).toBe(Date.parse(TICK));
    expect(parsed.ok && parsed.message.everyMs).toBe(lane.everyS === 0 ? null : 10_000);
  });

  it.each([
    ['another version', JSON.stringify({ v: 2, tick: TICK, targets: [] }), 'version 2, expected 1'],
    ['no version', JSON.stringify({ tick: TICK, targets: [] }), 'version absent, expected 1'],
    ['the version as a string', JSON.stringify({ v: '1', tick: TICK, targets: [] }), 'version "1", expected 1'],
    ['not JSON', '{"v":1,', 'not JSON'],
    ['JSON null', 'null', 'not a JSON object'],
    ['a JSON array', '[1]', 'not a JSON object'],
    ['targets not an array', JSON.stringify({ v: 1, tick: TICK, targets: { target: 'a' } }), 'targets is not an array'],
    ['no targets', JSON.stringify({ v: 1, tick: TICK }), 'targets is not an array'],
  ])('refuses %s, saying why', (_case, body, reason) => {
    expect(parseProbeMessage(body)).toEqual({ ok: false, reason });
  });
});

describe('the probe message between the two functions', () => {
  it('every message the dispatcher sends parses back to the targets it packed', async () => {
    // Prepare: one page of 60 targets, so that the dispatcher packs more than one message
    const items = Array.from({ length: 60 }, (_, i) => ({ target: `host-${i}.example.com`, expect: 'closed' }));
    const source: TargetSource = {
      async *scan() {
        yield items;
      },
    };
    const queue = new InProcessQueue();

    // Act
    await createDispatch({ source, queue }, { ...DISPATCHER_DEFAULTS, scanSegments: 1 })(TICK);
    const parsed = queue.drain().map((m) => parseProbeMessage(JSON.stringify(m)));

    // Assess
    expect(parsed.length).toBeGreaterThan(1);
    expect(parsed.every((p) => p.ok && p.message.tick === TICK)).toBe(true);
    expect(parsed.flatMap((p) => (p.ok ? p.message.targets : []))).toEqual(items);
  });
});
