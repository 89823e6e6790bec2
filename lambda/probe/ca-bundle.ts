/**
 * A CA bundle for `ProbeOptions.ca`: PEM text checked to hold at least one certificate that parses,
 * from a file (the CLI's `--ca`, a stack setting) or from text already read. Errors name the setting
 * and the source, so a user sees which of their inputs is wrong.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';

export class CaBundleError extends Error {
  override readonly name = 'CaBundleError';
}

/** One PEM block: its label and everything up to the matching END line. */
const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

/**
 * The certificates of a PEM bundle, as PEM text, one block per certificate. Only CERTIFICATE blocks
 * are kept: a file that also holds a private key (a combined key-and-certificate file is common) must
 * not carry that key any further, into a Lambda environment or a log.
 *
 * @param field the setting's name for messages (`--ca`, `caBundleFile`)
 * @param source where the text came from, as the user wrote it (a quoted path)
 * @throws CaBundleError when the text holds no PEM block, no certificate, or one that does not parse
 */
export function parseCaBundle(text: string, field: string, source: string): string {
  const blocks = [...text.matchAll(PEM_BLOCK)];
  if (blocks.length === 0) throw new CaBundleError(`${field}: ${source} is not PEM (no "-----BEGIN CERTIFICATE-----" block)`);
  const certs = blocks.filter((b) => b[1] === 'CERTIFICATE').map((b) => b[0]);
  if (certs.length === 0) {
    const labels = [...new Set(blocks.map((b) => b[1]))].join(', ');
    throw new CaBundleError(`${field}: ${source} holds no certificate (PEM blocks found: ${labels})`);
  }
  certs.forEach((pem, i) => {
    try {
      new X509Certificate(pem);
    } catch (err) {
      throw new CaBundleError(`${field}: ${source} holds a certificate that does not parse (number ${i + 1} of ${certs.length}: ${err instanceof Error ? err.message : String(err)})`);
    }
  });
  return `${certs.join('\n')}\n`;
}

/**
 * Reads a PEM file of one or more CA certificates for `ProbeOptions.ca` (trusted besides the public
 * roots). Call it once, where the setting is read (the CLI, the stack at synth), not per probe.
 *
 * @param field the setting's name for messages (`--ca`, `caBundleFile`)
 * @throws CaBundleError naming `field` and the path: missing file, unreadable, not PEM, no certificate
 */
export function readCaBundle(path: string, field: string): string {
  const source = JSON.stringify(path);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CaBundleError(`${field}: ${source} does not exist`);
    if (code === 'EISDIR') throw new CaBundleError(`${field}: ${source} is a directory, not a PEM file`);
    throw new CaBundleError(`${field}: ${source} cannot be read (${code ?? (err instanceof Error ? err.message : String(err))})`);
  }
  return parseCaBundle(text, field, source);
}
