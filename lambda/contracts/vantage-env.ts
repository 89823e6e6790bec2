/**
 * The environment of a function that sends probe messages to every vantage point's queue (the
 * dispatcher's ticks, discovery's re-probes): the two variables, their one parser and one builder,
 * so both functions read several regions the same way. Each name is written here only.
 */
import { parseVantageName } from '../monitor/vantage-config';
import { ConfigError, optionalString, type Env } from './env';

/** Several regions: the variables by config field; absent, the function sends to its probe queue only. */
export const VANTAGE_QUEUE_VARIABLES = {
  /** The home region's vantage name, which the function's own probe queue (PROBE_QUEUE_URL) serves. */
  vantage: 'VANTAGE',
  /** The probe queue of every other vantage point, `us-east-1=https://sqs...,ap-southeast-2=https://sqs...`. */
  vantageQueueUrls: 'VANTAGE_QUEUE_URLS',
} as const;

/** One vantage point's probe queue. */
export interface VantageQueueUrl {
  /** The vantage point (an AWS region): the SQS client's region and the `vantage` metric dimension. */
  readonly vantage: string;
  readonly queueUrl: string;
}

/** Every vantage point's probe queue: the home one (the function's probe queue) and the others'. */
export interface VantageQueueConfig {
  readonly home: string;
  readonly others: readonly VantageQueueUrl[];
}

/**
 * `VANTAGE` and `VANTAGE_QUEUE_URLS`, set together or not at all; each name checked as a vantage name,
 * none twice, the home one not among the others. `homeQueueVariable` names the variable of the home
 * queue, for the message that refuses the home vantage point among the others.
 */
export function readVantageQueues(vars: Env, homeQueueVariable: string): { vantages?: VantageQueueConfig } {
  const names = VANTAGE_QUEUE_VARIABLES;
  const home = optionalString(vars, names.vantage, '');
  const list = optionalString(vars, names.vantageQueueUrls, '');
  if (home === '' && list === '') return {};
  const refuse = (name: string, value: string, why: string): ConfigError => new ConfigError(`environment variable ${name}=${JSON.stringify(value)} ${why}`);
  if (home === '' || list === '') throw new ConfigError(`environment variables ${names.vantage} and ${names.vantageQueueUrls} are set together or not at all (got ${names.vantage}=${JSON.stringify(home)}, ${names.vantageQueueUrls}=${JSON.stringify(list)})`);
  const homeName = parseVantageName(`environment variable ${names.vantage}`, home);
  if (!homeName.ok) throw refuse(names.vantage, home, homeName.error.reason);
  const seen = new Set([home]);
  const others = list.split(',').map((entry) => {
    const [vantage = '', ...rest] = entry.trim().split('=');
    const queueUrl = rest.join('=');
    const name = parseVantageName(names.vantageQueueUrls, vantage);
    if (!name.ok) throw refuse(names.vantageQueueUrls, list, `names vantage ${JSON.stringify(vantage)}, which ${name.error.reason}`);
    if (!/^https?:\/\/\S+$/.test(queueUrl)) throw refuse(names.vantageQueueUrls, list, `gives ${vantage} ${JSON.stringify(queueUrl)}, not a queue URL (expected VANTAGE=https://sqs...)`);
    if (seen.has(vantage)) throw refuse(names.vantageQueueUrls, list, `names ${vantage} twice (or the home vantage point ${home}, whose queue is ${homeQueueVariable})`);
    seen.add(vantage);
    return { vantage, queueUrl };
  });
  return { vantages: { home, others } };
}

/** The two variables for `vantages`; none for one vantage point, so a one-region function's environment is unchanged. */
export function vantageQueueEnvironment(vantages: VantageQueueConfig | undefined): Record<string, string> {
  const names = VANTAGE_QUEUE_VARIABLES;
  if (vantages === undefined) return {};
  return { [names.vantage]: vantages.home, [names.vantageQueueUrls]: vantages.others.map((o) => `${o.vantage}=${o.queueUrl}`).join(',') };
}
