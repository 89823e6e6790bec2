/** The arguments of `portwatch local` that need more than a flag parser: TARGET lines, the SNS topic ARN, the probe's CA and plaintext flags. */
import { PROBER_DEFAULTS } from '../../lambda/contracts/prober-env';
import { formatFieldError, parseTargetItem } from '../../lambda/monitor/target';
import { UsageError } from './cli-io';
import { caFileOption, plaintextPortFlag } from './options';
import { normalizeItem, type TargetsEntry } from './targets-file';
import { parseTargetLine } from './targets-formats';

/** `arn:aws:sns:eu-west-1:123456789012:alerts` -> `eu-west-1`; null when it is not a topic ARN. */
export function topicRegion(arn: string): string | null {
  const match = /^arn:aws[a-z-]*:sns:([a-z0-9-]+):\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/.exec(arn);
  return match ? (match[1] as string) : null;
}

/** TARGET arguments use the targets.txt line format: `'127.0.0.1:8883 expect=closed depth=tcp'`. */
export function parseTargetArgs(args: readonly string[]): TargetsEntry[] {
  return args.map((arg, index) => {
    const line = parseTargetLine(arg);
    if (!line.ok) throw new UsageError(`TARGET ${JSON.stringify(arg)}: ${formatFieldError(line.error)}`);
    if (line.value === null) throw new UsageError(`TARGET ${JSON.stringify(arg)}: is empty`);
    const parsed = parseTargetItem(line.value, PROBER_DEFAULTS.defaultPort);
    if (!parsed.ok) throw new UsageError(`TARGET ${JSON.stringify(arg)}: ${formatFieldError(parsed.error)}`);
    return { line: index + 1, item: normalizeItem(line.value, parsed.value), target: parsed.value };
  });
}

/**
 * `--ca FILE` and `--plaintext-port N|none`, read before the first tick: a bad value is bad usage
 * (exit 2), not one failed handshake per target. The plaintext port is the prober's setting, where
 * 0 means off, the way its environment variable says it.
 */
export function probeFlags(options: { readonly ca?: string; readonly plaintextPort?: string }): { caBundle: string | null; plaintextPort: number } {
  const caBundle = options.ca === undefined ? null : caFileOption(options.ca, '--ca');
  const plaintext = plaintextPortFlag(options.plaintextPort);
  return { caBundle, plaintextPort: plaintext === undefined ? PROBER_DEFAULTS.plaintextPort : (plaintext ?? 0) };
}
