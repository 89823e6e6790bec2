/**
 * A deployment setting (a construct prop or a `-c key=value` context value) is out of range.
 * Thrown at synth time, before anything reaches CloudFormation; the message names the setting and
 * the offending value so the fix is obvious from the CLI output alone.
 */
export class PortwatchConfigError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'PortwatchConfigError';
  }
}

/** Returns `value` when it is an integer in [min, max]; throws naming `name` otherwise. */
export function requireIntegerInRange(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new PortwatchConfigError(`${name} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

// Deliberately loose: one "@", no whitespace, a dot in the domain. SNS does the real check by sending
// the confirmation mail; this only catches typos such as a missing "@" or a pasted list.
const EMAIL = /^[^\s@,;]+@[^\s@,;]+\.[^\s@,;]+$/;

/** Returns `value` when it looks like one e-mail address; throws naming `name` and the value otherwise. */
export function requireEmail(name: string, value: string): string {
  if (!EMAIL.test(value)) {
    throw new PortwatchConfigError(`${name} must be one e-mail address such as ops@example.com, got ${JSON.stringify(value)}`);
  }
  return value;
}
