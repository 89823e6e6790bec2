import { PROBER_DEFAULTS } from '../../../lambda/contracts/prober-env';
import { proberProbeOptions } from '../../../lambda/handlers/prober-root';
import { probeTarget } from '../../../lambda/probe';
import { createAddressGuard, parseCidrList } from '../../../lambda/probe/address-policy';
import { usePki } from '../../helpers/certs';
import { spec } from '../../helpers/probe-fixtures';
import { tlsServer, useServers } from '../../helpers/servers';

/*
 * The prober's trust, as its composition root builds it: a broker on loopback whose certificate a
 * private CA signed is untrusted with the default roots, and trusted once the deployment's CA bundle
 * (CA_BUNDLE) is given.
 */

const pki = usePki();
const serve = useServers();

function loopbackGuard(): ReturnType<typeof createAddressGuard> {
  const allow = parseCidrList('127.0.0.0/8');
  if (!allow.ok) throw new Error('bad test CIDR');
  return createAddressGuard({ allow: allow.value });
}

describe('proberProbeOptions', () => {
  test.each([
    ['without a CA bundle, a broker signed by a private CA is untrusted-cert', false, ['untrusted-cert']],
    ['with the private CA in the bundle, the same broker is trusted', true, []],
  ])('%s', async (_name, withBundle, findings) => {
    // Prepare
    const broker = await serve(tlsServer({ key: pki().trusted.key, cert: pki().trusted.cert }));
    const settings = { ...PROBER_DEFAULTS, probeTimeoutMs: 2000, caBundle: withBundle ? pki().ca.cert : null };

    // Act
    const result = await probeTarget(spec(broker.port, 'tls'), proberProbeOptions(settings, loopbackGuard()));

    // Assess
    expect(result.status).toBe('open');
    expect(result.tls).toMatchObject({ authorized: withBundle, cert: expect.objectContaining({ issuer: expect.stringContaining('portwatch test CA') }) });
    expect(result.findings).toEqual(findings);
  });

  test('hands the probe the bundle itself, the same string every invocation (the TLS context is cached by it)', () => {
    // Act
    const options = proberProbeOptions({ ...PROBER_DEFAULTS, caBundle: pki().ca.cert }, loopbackGuard());

    // Assess
    expect(options.ca).toBe(pki().ca.cert);
    expect(proberProbeOptions({ ...PROBER_DEFAULTS, caBundle: null }, loopbackGuard())).not.toHaveProperty('ca');
  });
});

describe('proberProbeOptions: the plaintext check as the stack configures it', () => {
  it('checks 1883 by default and nothing when the environment says 0', () => {
    // Prepare: the two settings a stack can give (PLAINTEXT_PORT unset, and PLAINTEXT_PORT=0).
    const guard = createAddressGuard({ allow: [] });

    // Act
    const byDefault = proberProbeOptions(PROBER_DEFAULTS, guard);
    const off = proberProbeOptions({ ...PROBER_DEFAULTS, plaintextPort: 0 }, guard);
    const other = proberProbeOptions({ ...PROBER_DEFAULTS, plaintextPort: 11883 }, guard);

    // Assess
    expect(byDefault.plaintextPort).toBe(1883);
    expect(off.plaintextPort).toBeNull();
    expect(other.plaintextPort).toBe(11883);
  });
});
