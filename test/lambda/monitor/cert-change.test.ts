import { certChange, changeReasons, MAX_KNOWN_CERTS, nextKnownCerts, shortFingerprint } from '../../../lambda/monitor/cert-change';
import { digestOf, digestSettles } from '../../../lambda/monitor/digest';
import type { Observation, TargetState } from '../../../lambda/monitor/model';
import { decide, needsConfirmation, sameOutcome } from '../../../lambda/monitor/transition';
import type { CertFacts, TlsEvidence } from '../../../lambda/probe/types';
import { info, observation } from '../../helpers/observations';

const T0 = Date.parse('2026-11-24T10:00:00.000Z');
const iso = (ms: number): string => new Date(ms).toISOString();
const hex = (seed: string): string => Array.from({ length: 32 }, (_, i) => (seed.charCodeAt(i % seed.length) + i).toString(16).slice(-2).toUpperCase().padStart(2, '0')).join(':');

/** A leaf certificate's facts: A is the one the state recorded. */
function cert(name: string, overrides: Partial<CertFacts> = {}): CertFacts {
  return {
    subject: 'CN=broker.example.com',
    issuer: 'CN=Example CA',
    subjectAltNames: ['DNS:broker.example.com'],
    validFrom: '2026-10-01T00:00:00.000Z',
    validTo: '2027-01-01T00:00:00.000Z',
    daysLeft: 38,
    fingerprint256: hex(`cert-${name}`),
    publicKeyFingerprint256: hex('key-A'),
    selfSigned: false,
    ...overrides,
  };
}

const A = cert('A');
const RENEWAL = cert('A2', { validFrom: '2026-11-20T00:00:00.000Z', validTo: '2027-02-18T00:00:00.000Z' });
const NEW_KEY = cert('B', { publicKeyFingerprint256: hex('key-B'), validTo: '2027-02-18T00:00:00.000Z' });
const NEW_ISSUER = cert('C', { issuer: 'CN=Someone Else CA', validTo: '2027-02-18T00:00:00.000Z' });
const EARLIER = cert('D', { validTo: '2026-12-15T00:00:00.000Z' });
const SAME_EXPIRY = cert('E');

function tls(facts: CertFacts | null): TlsEvidence {
  return { version: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', authorized: true, authorizationError: null, hostnameMatch: true, cert: facts, legacyTls: false, clientCertRequired: false };
}

function look(facts: CertFacts | null, at = T0 + 60_000, findings: Observation['findings'] = []): Observation {
  const base = observation('open', findings, iso(at));
  return { ...base, evidence: { ...base.evidence, tls: tls(facts) } };
}

/** A quiet open state whose last deep look saw `facts`, as decide leaves it after the outbox is flushed. */
function stateWith(facts: CertFacts | null): TargetState {
  const first = decide(null, look(facts, T0), info('open'));
  if (first.kind !== 'write') throw new Error('a first look writes');
  return { ...first.next, outbox: [] };
}

describe('changeReasons: what makes a new certificate not a renewal', () => {
  it.each<[string, CertFacts, string[]]>([
    ['renewal: same key and issuer, later expiry', RENEWAL, []],
    ['new key', NEW_KEY, ['new-key']],
    ['new issuer', NEW_ISSUER, ['new-issuer']],
    ['earlier expiry', EARLIER, ['earlier-expiry']],
    ['same expiry (re-issued)', SAME_EXPIRY, ['same-expiry']],
    ['everything new', cert('F', { publicKeyFingerprint256: hex('key-F'), issuer: 'CN=Evil', validTo: '2026-12-01T00:00:00.000Z' }), ['new-key', 'new-issuer', 'earlier-expiry']],
    ['key not recorded before (evidence from an older release): issuer and expiry decide', RENEWAL, []],
  ])('%s', (name, after, reasons) => {
    const before = name.startsWith('key not recorded') ? { ...A, publicKeyFingerprint256: undefined } : A;
    expect(changeReasons(before, after)).toEqual(reasons);
  });
});

describe('decide on certificates: the truth table', () => {
  it.each<[string, CertFacts | null, CertFacts | null, string, boolean]>([
    ['renewal: recorded, not alerted', A, RENEWAL, 'cert-renewed', false],
    ['new key: alerted', A, NEW_KEY, 'cert-changed', true],
    ['new issuer: alerted', A, NEW_ISSUER, 'cert-changed', true],
    ['earlier expiry: alerted', A, EARLIER, 'cert-changed', true],
    ['the same certificate: nothing', A, A, 'none', false],
    ['no certificate before (first deep look since the handshake failed): nothing', null, NEW_KEY, 'none', false],
    ['no certificate now (the handshake failed): nothing', A, null, 'none', false],
  ])('%s', (_name, before, now, event, alerted) => {
    // Act
    const decision = decide(stateWith(before), look(now), info('open'));

    // Assess
    expect(decision.kind === 'write' ? decision.event : 'none').toBe(event);
    expect(decision.kind === 'write' && decision.alert !== null).toBe(alerted);
    expect(needsConfirmation(decision)).toBe(alerted);
  });

  it('a cert-changed alert is a warning carrying the certificate before and the reasons; the history event carries them too', () => {
    // Act
    const decision = decide(stateWith(A), look(NEW_KEY), info('open'));
    if (decision.kind !== 'write') throw new Error('expected a write');

    // Assess
    expect(decision.alert).toMatchObject({ event: 'cert-changed', severity: 'warning', status: 'open', previous: 'open', certChange: { before: A, reasons: ['new-key'] } });
    expect(decision.next.outbox[0]?.event).toMatchObject({ kind: 'cert-changed', alerted: true, certChange: { before: A, reasons: ['new-key'] } });
    expect(decision.next.evidence.tls?.cert).toEqual(NEW_KEY);
    expect(decision.next.knownCerts).toEqual([NEW_KEY.fingerprint256, A.fingerprint256]);
  });

  it('a connect-only look carries the last TLS evidence, so it never detects a change', () => {
    // Prepare: what prober/look.ts carryPosture makes of a connect-only look at an open target.
    const prev = stateWith(A);
    const connect = observation('open', prev.findings, iso(T0 + 60_000));
    const carried: Observation = { ...connect, evidence: { ...connect.evidence, tls: prev.evidence.tls, mqtt: prev.evidence.mqtt } };

    // Act / Assess
    expect(decide(prev, carried, info('open')).kind).toBe('none');
  });

  it('a new certificate that also changes the findings is the posture change, with the new certificate in its evidence', () => {
    // Act
    const decision = decide(stateWith(A), look(cert('S', { issuer: 'CN=broker.example.com', publicKeyFingerprint256: hex('key-S'), selfSigned: true }), T0 + 60_000, ['self-signed-cert']), info('open'));

    // Assess
    expect(decision.kind === 'write' ? `${decision.event} ${decision.alert?.event}` : 'none').toBe('posture posture');
  });

  it('a load balancer serving two certificates alerts once for the second, then alternating writes nothing', () => {
    // Prepare: A recorded; B appears and is confirmed.
    const first = decide(stateWith(A), look(NEW_KEY), info('open'));
    if (first.kind !== 'write') throw new Error('expected a write');
    const afterB: TargetState = { ...first.next, outbox: [] };

    // Act
    const backToA = decide(afterB, look(A, T0 + 120_000), info('open'));
    const againB = decide(afterB, look(NEW_KEY, T0 + 180_000), info('open'));

    // Assess
    expect(first.alert?.event).toBe('cert-changed');
    expect(backToA.kind).toBe('none');
    expect(againB.kind).toBe('none');
  });

  it('a re-probe that sees another new certificate does not confirm the first', () => {
    // Prepare
    const prev = stateWith(A);

    // Act
    const one = decide(prev, look(NEW_KEY), info('open'));
    const other = decide(prev, look(NEW_ISSUER), info('open'));
    const same = decide(prev, look(NEW_KEY, T0 + 61_000), info('open'));

    // Assess
    expect(sameOutcome(one, other)).toBe(false);
    expect(sameOutcome(one, same)).toBe(true);
  });

  it('a closed port keeps the known certificates; the reopened port is compared with none, so it is not a change', () => {
    // Prepare
    const prev = stateWith(A);
    const closed = decide(prev, observation('closed', [], iso(T0 + 60_000)), info('open'));
    if (closed.kind !== 'write') throw new Error('expected a write');

    // Act
    const reopened = decide({ ...closed.next, outbox: [] }, look(NEW_KEY, T0 + 120_000), info('open'));

    // Assess
    expect(closed.next.knownCerts).toEqual([A.fingerprint256]);
    expect(reopened.kind === 'write' ? `${reopened.event} ${reopened.alert?.event}` : 'none').toBe('transition recovered');
  });
});

describe('nextKnownCerts', () => {
  it(`keeps the newest ${MAX_KNOWN_CERTS}, the one seen first`, () => {
    let state: Pick<TargetState, 'evidence' | 'knownCerts'> = stateWith(A);
    for (const name of ['B', 'C', 'D', 'E', 'B']) {
      const facts = cert(name);
      state = { evidence: { ...state.evidence, tls: tls(facts) }, knownCerts: nextKnownCerts(state, tls(facts)) };
    }
    expect(state.knownCerts).toEqual(['B', 'E', 'D', 'C'].map((n) => cert(n).fingerprint256));
    expect(certChange(state, tls(A))).toMatchObject({ reasons: ['same-expiry'] });
  });
});

describe('digests and certificates', () => {
  it('a deep look at a certificate the state does not know is never settled by the digest; a known one is', () => {
    // Prepare
    const state = stateWith(A);
    const digest = digestOf(state, info('open'));
    if (digest === null) throw new Error('a quiet state has a digest');

    // Act / Assess
    expect(digest.k).toBe(shortFingerprint(A.fingerprint256));
    expect(digestSettles(digest, look(A), info('open'), T0 + 60_000, true)).toBe(true);
    expect(digestSettles(digest, look(RENEWAL), info('open'), T0 + 60_000, true)).toBe(false);
    expect(digestSettles(digest, look(NEW_KEY), info('open'), T0 + 60_000, true)).toBe(false);
    // No certificate in the look (a failed handshake, or connect-only): decide has nothing to compare either.
    expect(digestSettles(digest, look(null), info('open'), T0 + 60_000, true)).toBe(true);
    expect(digestSettles(digest, observation('open', [], iso(T0 + 60_000)), info('open'), T0 + 60_000, false)).toBe(true);
  });

  it('agrees with decide on every certificate of the truth table', () => {
    for (const before of [A, null]) {
      const state = stateWith(before);
      const digest = digestOf(state, info('open'));
      if (digest === null) throw new Error('a quiet state has a digest');
      for (const now of [A, RENEWAL, NEW_KEY, NEW_ISSUER, EARLIER, SAME_EXPIRY, null]) {
        const settles = digestSettles(digest, look(now), info('open'), T0 + 60_000, true);
        expect({ before: before?.fingerprint256, now: now?.fingerprint256, settles }).toEqual({ before: before?.fingerprint256, now: now?.fingerprint256, settles: decide(state, look(now), info('open')).kind === 'none' });
      }
    }
  });
});
