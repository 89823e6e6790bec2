/**
 * The IDN rules portwatch applies itself, on top of node:url's domainToASCII, so that a host name is
 * valid or not whatever the Node.js version: the CLI runs on Node 20 and up, the prober on the Lambda's
 * Node 24, and both must agree on which targets exist (a name the CLI stores must not be refused by
 * the prober, nor the reverse).
 *
 * domainToASCII (WHATWG URL host parsing, UTS 46) differs between versions on two points, found by
 * running the same names through Node 20.20 (ada 2.9) and Node 24.21 (ada 4.0):
 * - `xn--` labels: Node 20 decodes and validates them (`xn--a` gives ''), Node 24 passes them through
 *   unchecked (`xn--a` stays `xn--a`). Here an `xn--` label must be the punycode of a name that Node
 *   encodes back to that same label: decodable, not plain ASCII, and valid by Node's own Unicode rules.
 * - right-to-left labels: Node 24 holds them to the IDNA bidi rule (RFC 5893), Node 20 only partly
 *   (`aא` is refused by 24, accepted by 20). Here a conservative subset of that rule is applied on every
 *   version: what it accepts, both versions accept, so the answer is the same on both.
 * Elsewhere (no `xn--` label, no right-to-left text) the two versions agree and domainToASCII decides.
 */
import { domainToASCII, domainToUnicode } from 'node:url';

const ACE_PREFIX = 'xn--';

/**
 * The right-to-left blocks: Hebrew to Arabic Extended-A, the Hebrew and Arabic presentation forms, and
 * the right-to-left scripts of plane 1. Every character of bidi class R, AL or AN lies in them.
 */
const RTL_RANGES = '\\u0590-\\u08ff\\ufb1d-\\ufdff\\ufe70-\\ufeff\\u{10800}-\\u{10fff}\\u{1e800}-\\u{1efff}';
const RTL_BLOCK = new RegExp(`^[${RTL_RANGES}]$`, 'u');
/** A letter of those blocks: bidi class R (Hebrew, NKo...) or AL (Arabic, Syriac, Thaana...). */
const RTL_LETTER = new RegExp(`^(?=\\p{L})[${RTL_RANGES}]$`, 'u');
/** Hebrew geresh and gershayim (bidi R), as in abbreviations (צה״ל): after a letter, never first. */
const HEBREW_PUNCTUATION = /^[\u05f3\u05f4]$/;
/** Combining marks: bidi class NSM. */
const MARK = /^\p{Mn}$/u;
/** European digits (bidi EN): ASCII and the Extended Arabic-Indic (Persian) digits. */
const EUROPEAN_DIGIT = /^[0-9\u06f0-\u06f9]$/;
/** Arabic-Indic digits (bidi AN). */
const ARABIC_DIGIT = /^[\u0660-\u0669]$/;
const NON_ASCII = /[^\u0000-\u007f]/;

/** Non-ASCII text or an `xn--` label: a name whose validity IDNA decides. */
export function isInternationalName(name: string): boolean {
  return NON_ASCII.test(name) || /(?:^|\.)xn--/i.test(name);
}

/**
 * Whether a name domainToASCII accepted also meets the rules above. `ascii` is its output (lower case,
 * labels joined by dots). A yes or no, not a reason: one name may be refused here on one Node version
 * and by domainToASCII on the other, and the user must read the same answer from both.
 */
export function meetsIdnRules(ascii: string): boolean {
  for (const label of ascii.split('.')) {
    if (!label.startsWith(ACE_PREFIX)) continue;
    const decoded = domainToUnicode(label);
    // Node 24 hands an undecodable label back unchanged (ASCII); Node 20 decodes `xn--ab-` to `ab`,
    // which UTS 46 forbids (an ASCII label has one spelling). Encoding back must give the same label:
    // the check Node 20 made, run on the decoded text, which every version validates.
    if (!NON_ASCII.test(decoded) || domainToASCII(decoded).toLowerCase() !== label) return false;
    if (!bidiLabelOk(decoded)) return false;
  }
  return true;
}

/**
 * A character that makes a label right-to-left (R, AL or AN): anything in the blocks but their marks
 * and Persian digits (NSM and EN). Broad on purpose: holding a label to the rule where Node would not
 * makes this stricter than Node, never different between versions.
 */
function isRtl(c: string): boolean {
  return RTL_BLOCK.test(c) && !MARK.test(c) && !EUROPEAN_DIGIT.test(c);
}

/**
 * One decoded label, held to the bidi rule if it has right-to-left text: it starts with a right-to-left
 * letter, holds only such letters, Hebrew punctuation, marks, digits of one kind and hyphens, and ends
 * with a letter or digit (RFC 5893 rules 1-4 for the characters named above; any other character
 * refuses the label). A label without right-to-left text passes, beside right-to-left labels too: no
 * Node version holds it to rules 5-6 (`1a.א` is valid on 20 and 24), so neither does this.
 */
function bidiLabelOk(label: string): boolean {
  const chars = [...label];
  if (!chars.some(isRtl)) return true;
  if (!RTL_LETTER.test(chars[0] ?? '')) return false;
  let european = false;
  let arabic = false;
  for (const c of chars) {
    if (EUROPEAN_DIGIT.test(c)) european = true;
    else if (ARABIC_DIGIT.test(c)) arabic = true;
    else if (!RTL_LETTER.test(c) && !HEBREW_PUNCTUATION.test(c) && !MARK.test(c) && c !== '-') return false;
  }
  if (european && arabic) return false;
  let end = chars.length - 1;
  while (end > 0 && MARK.test(chars[end] ?? '')) end--;
  const last = chars[end] ?? '';
  return RTL_LETTER.test(last) || HEBREW_PUNCTUATION.test(last) || EUROPEAN_DIGIT.test(last) || ARABIC_DIGIT.test(last);
}
