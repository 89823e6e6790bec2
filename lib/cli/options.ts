/**
 * Option value parsers for commander. Each throws InvalidArgumentError, which commander reports as
 * `option '--interval <duration>' argument '5x' is invalid. <why>` (naming flag and value) and the
 * CLI turns into exit code 2.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { formatDuration, parseDuration } from '../../lambda/parse/duration';
import { DEFAULT_STATE_DIR } from './state-dir';

export function durationOption(minMs: number, maxMs: number): (value: string) => number {
  return (value) => {
    const ms = parseDuration(value);
    if (ms === null) {
      const hint = /^\d+$/.test(value.trim()) ? `; add a unit, e.g. ${value.trim()}s` : '';
      throw new InvalidArgumentError(`Expected a duration such as 30s, 5m or 1h${hint}.`);
    }
    if (ms < minMs || ms > maxMs) throw new InvalidArgumentError(`Expected a duration between ${formatDuration(minMs)} and ${formatDuration(maxMs)}.`);
    return ms;
  };
}

export function integerOption(min: number, max: number): (value: string) => number {
  return (value) => {
    const text = value.trim();
    if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
      throw new InvalidArgumentError(`Expected an integer between ${min} and ${max}.`);
    }
    return Number(text);
  };
}

export function collect(value: string, previous: readonly string[]): string[] {
  return [...previous, value];
}

/** The options that choose a backend, shared by every operator command. */
export function addBackendOptions(command: Command): Command {
  return command
    .option('--state <dir>', `local state directory (the one \`portwatch local\` uses) (default: "${DEFAULT_STATE_DIR}")`)
    .option('--stack <name>', 'a deployed portwatch stack: table names come from its CloudFormation outputs')
    .option('--region <region>', 'AWS region of --stack (default: from AWS_REGION or the AWS profile)')
    .option('--json', 'one JSON object per line on stdout');
}

/** Shown at the end of every operator command's --help. */
export const BACKEND_HELP = `
Backends:
  By default the command works on the local state directory ${DEFAULT_STATE_DIR}/ (the one \`portwatch local\` keeps);
  --state DIR names another. While \`portwatch local\` runs, the command talks to the database it serves.
  --stack NAME works on a deployed stack instead, with the standard AWS credential chain
  (AWS_PROFILE, environment, SSO, instance role) and --region or the profile's region.

Exit codes: 0 ok, 1 the operation failed (or the target was not found), 2 bad usage or input.`;
