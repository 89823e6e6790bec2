import { parseHost } from '../../../lambda/monitor/target';
import { isInternationalName, meetsIdnRules } from '../../../lambda/monitor/idn';

/**
 * Names whose treatment by node:url's domainToASCII differs between Node 20 and Node 24 (idn.ts), and
 * their neighbours. CI runs this file on both versions: the same table passing on both is the proof
 * that the CLI (Node 20+) and the prober (Node 24) accept and refuse the same names.
 */
const NOT_IDN = 'is not a valid host name (not a valid international domain name)';

describe('parseHost gives one answer on every Node version', () => {
  it.each<[string, string, string]>([
    // Valid punycode: accepted everywhere, as written.
    ['a punycode label', 'xn--bcher-kva.example', 'xn--bcher-kva.example'],
    ['punycode in capitals', 'XN--BCHER-KVA.EXAMPLE', 'xn--bcher-kva.example'],
    ['an emoji label', 'xn--ls8h.example', 'xn--ls8h.example'],
    // Right-to-left names that follow the bidi rule, in Unicode and in punycode.
    ['an Arabic (Persian) label', 'ایران.example', 'xn--mgba3a4f16a.example'],
    ['the same in punycode', 'xn--mgba3a4f16a.example', 'xn--mgba3a4f16a.example'],
    ['a Hebrew label with gershayim', 'צה״ל.example', 'xn--8dbq2a9c.example'],
    ['Arabic with a hyphen and a digit', 'موقع-1.example', 'xn---1-uud9aos.example'],
    ['Hebrew with points (marks)', 'בְּדִיקָה.example', 'xn--7cbimo7hoaj2b4i.example'],
    ['a left-to-right label beside a right-to-left one', 'mqtt.קום', 'mqtt.xn--9dbq2a'],
    // Node 24 holds no left-to-right label to bidi rules 5-6, and Node 20 neither: nor does portwatch.
    ['a digit-first label beside a right-to-left one', '1a.קום', '1a.xn--9dbq2a'],
  ])('accepts %s: %j as %j', (_name, raw, host) => {
    // Act
    const result = parseHost(raw, 'host');

    // Assess
    expect(result).toEqual({ ok: true, value: host });
  });

  it.each<[string, string]>([
    // Node 20 refuses these, Node 24's domainToASCII passes them through unchanged.
    ['punycode that does not decode', 'xn--a'],
    ['the same, in a longer name', 'broker.xn--a.example'],
    ['the bare prefix', 'xn--'],
    ['punycode cut short', 'xn--bcher-kv.example'],
    ['punycode of a name Node itself refuses (aא, mixed directions)', 'xn--a-0hc.example'],
    ['punycode after a valid label', 'xn--bcher-kva.xn--zz'],
    // Node 20 decodes this to `ab`, an ASCII label that has only one spelling; Node 24 keeps it.
    ['punycode of plain ASCII', 'xn--ab-.example'],
    // Node 24 refuses these (IDNA bidi rule), Node 20 accepted them.
    ['a label mixing Latin and Hebrew', 'aא.example'],
    ['a right-to-left label starting with a digit', '1א.example'],
    ['an Arabic-Indic digit alone', '١.example'],
    ['a right-to-left label with a letter from another script', 'σא.example'],
    // Refused on both before and now: the neighbours of the cases above.
    ['a right-to-left label mixing digit kinds', 'مو١۱قع.example'],
    ['a right-to-left label starting with a hyphen', '-אב.example'],
  ])('refuses %s: %j', (_name, raw) => {
    // Act
    const result = parseHost(raw, 'host');

    // Assess: the same reason whichever check refused (Node 20's domainToASCII or portwatch's own).
    expect(result).toEqual({ ok: false, error: { field: 'host', value: JSON.stringify(raw), reason: NOT_IDN } });
  });

  it('names a plain ASCII name that is not valid as before', () => {
    // Act
    const result = parseHost('a..b', 'host');

    // Assess
    expect(result).toEqual({ ok: false, error: { field: 'host', value: '"a..b"', reason: 'is not a valid host name' } });
  });
});

describe('meetsIdnRules', () => {
  it.each<[string, boolean]>([
    ['broker.example.com', true],
    ['xn--bcher-kva.example', true],
    ['xn--mgba3a4f16a', true],
    ['xn--a', false],
    ['xn--ab-', false],
    ['xn--a-0hc', false],
  ])('%j: %p', (ascii, expected) => {
    // Act, Assess
    expect(meetsIdnRules(ascii)).toBe(expected);
  });
});

describe('isInternationalName', () => {
  it.each<[string, boolean]>([
    ['broker.example.com', false],
    ['bücher.example', true],
    ['xn--a', true],
    ['XN--A.example', true],
    ['broker.xn--a', true],
    ['axn--a.example', false],
  ])('%j: %p', (name, expected) => {
    // Act, Assess
    expect(isInternationalName(name)).toBe(expected);
  });
});
