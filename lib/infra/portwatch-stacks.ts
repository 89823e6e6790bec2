/**
 * The portwatch app's stacks: the home stack, and with several vantage points one prober stack per
 * other region. What `bin/portwatch-app.ts` builds and the tests synthesize, by one function.
 */
import { Token } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { PortwatchConfigError } from './constructs/config-validation';
import { PortwatchProberStack } from './portwatch-prober-stack';
import { PortwatchStack, type PortwatchStackProps } from './portwatch-stack';
import { pickProberSettings } from './prober-settings';
import { vantagePlan } from './vantages';
import { proberStackName, vantageQueueName } from '../../lambda/contracts/vantage-stacks';

/** The app's stacks. */
export interface PortwatchStacks {
  readonly home: PortwatchStack;
  /** One per region besides home, sorted by region; empty with one vantage point. */
  readonly probers: readonly PortwatchProberStack[];
}

/** How the caller tells a user to set the account and region (the app: its context keys). */
export interface EnvAdvice {
  readonly account: string;
  readonly region: string;
}

const PROP_ADVICE: EnvAdvice = { account: 'env.account', region: 'env.region' };

/**
 * The home stack with `props`, exactly as a single-region deployment builds it when no region
 * besides its own is listed; otherwise also a PortwatchProberStack in each other region. The prober
 * stacks read the home tables' and topics' ARNs through CDK's cross-region references, weak ones
 * (outputs of the home stack read by `Fn::GetStackOutput`, see PortwatchProberStack): the names are
 * CloudFormation's own, so an existing deployment's tables are not replaced to make them predictable. The other way round nothing is referenced: the home dispatcher knows each regional queue
 * by the name both sides compute (vantageQueueName), so the home stack deploys first and no cycle forms.
 */
export function addPortwatchStacks(scope: Construct, id: string, props: PortwatchStackProps, advice: EnvAdvice = PROP_ADVICE): PortwatchStacks {
  const account = props.env?.account;
  const region = props.env?.region;
  const listed = (props.vantageRegions ?? []).length > 0;
  if (listed && (account === undefined || Token.isUnresolved(account) || region === undefined || Token.isUnresolved(region))) {
    throw new PortwatchConfigError(
      `several regions need the account and the home region (cross-region references are resolved at synth): set ${advice.account} and ${advice.region}`,
    );
  }
  const plan = region === undefined ? vantagePlan('', props.vantageRegions, props.vantageQuorum) : vantagePlan(region, props.vantageRegions, props.vantageQuorum);
  if (plan === null) {
    // One vantage point: today's stack, today's template (vantageRegions may name the home region alone).
    const { vantageRegions: _one, ...single } = props;
    return { home: new PortwatchStack(scope, id, single), probers: [] };
  }
  const home = new PortwatchStack(scope, id, { ...props, crossRegionReferences: true });
  const { tables, alerts, sinks } = home.monitor;
  const probers = plan.others.map(
    (other) =>
      new PortwatchProberStack(scope, proberStackName(home.stackName, other), {
        env: { account, region: other },
        crossRegionReferences: true,
        description: `portwatch prober of vantage point ${other}: probes every target from ${other}, records its view in ${plan.home}`,
        ...pickProberSettings(props),
        ...(props.opsEmail === undefined ? {} : { opsEmail: props.opsEmail }),
        home: { stackName: home.stackName, region: plan.home, stateTable: tables.stateTable, targetsTable: tables.targetsTable, alertsTopic: alerts.topic, sinks },
        vantage: plan.configFor(other),
        queueName: vantageQueueName(home.stackName, other),
      }),
  );
  for (const prober of probers) {
    prober.addStackDependency(home, 'the prober reads the home tables and topic, and the home dispatcher sends to its queue by name');
    // A discovered target's opening alert names its root cause whichever region's prober wins it.
    home.monitor.discovery?.grantRootCause(prober.fanOut.prober);
  }
  return { home, probers };
}
