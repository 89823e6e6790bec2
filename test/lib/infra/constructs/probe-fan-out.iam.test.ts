import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDbStateStore } from '../../../../lambda/adapters/aws/dynamodb-state-store';
import { DynamoDbTargetDigests } from '../../../../lambda/adapters/aws/dynamodb-target-digests';
import { DynamoDbTargetSource } from '../../../../lambda/adapters/aws/dynamodb-target-source';
import type { EmbeddedDynamoDb } from '../../../../lambda/adapters/local/embedded-dynamodb';
import { PROBER_DEFAULTS } from '../../../../lambda/contracts/prober-env';
import { createProber } from '../../../../lambda/handlers/prober-root';
import type { ProbeFn } from '../../../../lambda/monitor/prober/service';
import type { ProbeStatus } from '../../../../lambda/probe/types';
import { freshTables, startEmbeddedDynamoDb } from '../../../helpers/dynalite';
import { probeResult } from '../../../helpers/observations';
import { RecordingNotifier } from '../../../helpers/recording-notifier';
import { asArray, logicalIdOf, policyStatements, synthPortwatch } from '../../../helpers/synth';

/*
 * The prober's IAM policy against the requests the prober really sends. The real composition root
 * (createProber) runs the real DynamoDB adapters on dynalite through baseline, quiet, transition and
 * storm ticks; every request is recorded and judged by the synthesized policy the way IAM would:
 * action, table, and the DynamoDB condition keys the request carries (dynamodb:Attributes: the
 * top-level attributes it names, key included; dynamodb:ReturnValues: NONE unless it asks for more).
 * A request the policy would refuse is a prober broken in AWS; an action no request uses is a grant
 * too many.
 */

interface Recorded {
  readonly action: string;
  readonly table: string;
  readonly attributes: readonly string[];
  readonly returnValues: string;
}

/** The parts of a DynamoDB request that IAM's DynamoDB condition keys are computed from. */
interface RequestInput {
  readonly TableName?: string;
  readonly RequestItems?: Record<string, unknown>;
  readonly Key?: Record<string, unknown>;
  readonly Item?: Record<string, unknown>;
  readonly ExpressionAttributeNames?: Record<string, string>;
  readonly UpdateExpression?: string;
  readonly ConditionExpression?: string;
  readonly ProjectionExpression?: string;
  readonly FilterExpression?: string;
  readonly KeyConditionExpression?: string;
  readonly ReturnValues?: string;
}

const KEYWORDS = new Set(['set', 'remove', 'add', 'delete', 'and', 'or', 'not', 'between', 'in']);
const FUNCTIONS = new Set(['attribute_exists', 'attribute_not_exists', 'attribute_type', 'begins_with', 'contains', 'size', 'if_not_exists', 'list_append']);

/** The top-level attribute names an expression touches: `#d.#v` is `digest`, a bare `name` is itself. */
function topLevelNames(expression: string | undefined, names: Record<string, string> | undefined): string[] {
  if (expression === undefined) return [];
  const withoutValues = expression.replace(/:\w+/g, ' ');
  const found: string[] = [];
  for (const [, first] of withoutValues.matchAll(/(?<![.\w#])(#\w+|[A-Za-z_]\w*)(?:\.(?:#\w+|[A-Za-z_]\w*)|\[\d+\])*/g)) {
    if (first === undefined) continue;
    if (first.startsWith('#')) {
      const name = names?.[first];
      if (name === undefined) throw new Error(`placeholder ${first} has no ExpressionAttributeNames entry in ${expression}`);
      found.push(name);
    } else if (!KEYWORDS.has(first.toLowerCase()) && !FUNCTIONS.has(first)) found.push(first);
  }
  return found;
}

/** Records every request a client sends while `recording.on`, as IAM sees it. */
function recordRequests(db: EmbeddedDynamoDb): { on: boolean; requests: Recorded[] } {
  const recording = { on: false, requests: [] as Recorded[] };
  db.client.middlewareStack.add(
    (next, context) => async (args) => {
      if (recording.on) {
        const input = args.input as RequestInput;
        const action = `dynamodb:${(context.commandName ?? 'unknown').replace(/Command$/, '')}`;
        const tables: string[] = input.TableName ? [input.TableName] : Object.keys(input.RequestItems ?? {});
        const names = input.ExpressionAttributeNames;
        const attributes = [
          ...Object.keys(input.Key ?? input.Item ?? {}),
          ...[input.UpdateExpression, input.ConditionExpression, input.ProjectionExpression, input.FilterExpression, input.KeyConditionExpression].flatMap((e) => topLevelNames(e, names)),
        ];
        for (const table of tables) recording.requests.push({ action, table, attributes: [...new Set(attributes)].sort(), returnValues: input.ReturnValues ?? 'NONE' });
      }
      return next(args);
    },
    { step: 'initialize', name: 'recordRequestsForIam' },
  );
  return recording;
}

type Statement = Record<string, unknown> & { Condition?: Record<string, Record<string, unknown>> };

/** Whether one statement's conditions hold for a request; an operator this test cannot judge fails it. */
function conditionsHold(statement: Statement, request: Recorded): boolean {
  const context: Record<string, readonly string[]> = { 'dynamodb:Attributes': request.attributes, 'dynamodb:ReturnValues': [request.returnValues] };
  return Object.entries(statement.Condition ?? {}).every(([operator, keys]) =>
    Object.entries(keys).every(([key, expected]) => {
      const values = context[key];
      if (values === undefined) throw new Error(`no request value for condition key ${key}`);
      const allowed = asArray(expected);
      if (operator === 'ForAllValues:StringEquals') return values.every((v) => allowed.includes(v));
      if (operator === 'StringEquals') return values.length === 1 && allowed.includes(values[0]);
      throw new Error(`condition operator ${operator} is not judged by this test`);
    }),
  );
}

let db: EmbeddedDynamoDb;
beforeAll(async () => {
  db = await startEmbeddedDynamoDb();
});
afterAll(async () => {
  await db.close();
});

describe("the prober's policy and the prober's requests", () => {
  test('every request of baseline, quiet, transition and storm ticks is allowed, and every granted action is used', async () => {
    // Prepare: the synthesized policy of the prober's role, and the tables' logical ids.
    const { stack, template } = synthPortwatch();
    const role = logicalIdOf(stack, 'ProbeFanOut/ProberServiceRole');
    const policy = Object.entries(template.findResources('AWS::IAM::Policy')).find(([, r]) => JSON.stringify((r as { Properties: unknown }).Properties).includes(`"${role}"`))?.[0];
    const statements = policyStatements(template)
      .filter((s) => s.policy === policy)
      .map((s) => s.statement as Statement);
    const logicalIds = { state: logicalIdOf(stack, 'Tables/StateTable'), targets: logicalIdOf(stack, 'Tables/TargetsTable') };

    // Prepare: 20 targets in a Targets table (enough for the storm gate), the real adapters, a scripted probe.
    const tables = await freshTables(db);
    const targets = Array.from({ length: 20 }, (_, i) => `broker-${i}.example`);
    const source = new DynamoDbTargetSource(db.client, tables.targets);
    await Promise.all(targets.map((target) => db.client.send(putTarget(tables.targets, target))));
    let ms = Date.parse('2026-11-24T10:00:00.000Z');
    const status = new Map<string, ProbeStatus>(targets.map((t) => [t, 'open']));
    const probe: ProbeFn = async (spec) => probeResult(spec.target, status.get(spec.target) ?? 'closed', [], new Date(ms).toISOString());
    const parts = {
      store: new DynamoDbStateStore(db.client, { tableName: tables.state }),
      digests: new DynamoDbTargetDigests(db.client, tables.targets),
      notifier: new RecordingNotifier(),
      guard: () => null,
      probe,
      now: () => new Date(ms),
      sleep: async () => undefined,
    };
    const recording = recordRequests(db);
    // A tick as the dispatcher makes it: the items as they are in the table now, digests included.
    const tick = async (): Promise<void> => {
      const items: Record<string, unknown>[] = [];
      for await (const page of source.scan(0, 1)) items.push(...page);
      recording.on = true;
      const report = await createProber(parts, { ...PROBER_DEFAULTS, confirmDelayMs: 0 }).run([{ id: 'msg', items }]);
      recording.on = false;
      expect(report.failedGroups).toEqual([]);
      ms += 5 * 60_000;
    };

    // Act: baseline, a quiet tick, one broker closing, then all of them flipping at once.
    await tick();
    await tick();
    status.set('broker-0.example', 'closed');
    await tick();
    for (const t of targets) status.set(t, t === 'broker-0.example' ? 'open' : 'closed');
    await tick();

    // Assess: every request allowed by a statement naming its action and its table.
    const tableOf = (name: string): string => (name === tables.state ? logicalIds.state : name === tables.targets ? logicalIds.targets : name);
    const refused = recording.requests.filter(
      (request) =>
        !statements.some(
          (s) => asArray(s.Action).includes(request.action) && JSON.stringify(s.Resource).includes(`"${tableOf(request.table)}"`) && conditionsHold(s, request),
        ),
    );
    expect(refused).toEqual([]);
    // The runs did what the policy is for: the digest writes on Targets, reads and writes of the state.
    const used = (table: string): string[] => [...new Set(recording.requests.filter((r) => r.table === table).map((r) => r.action))].sort();
    const granted = (logicalId: string): string[] =>
      [...new Set(statements.filter((s) => JSON.stringify(s.Resource).includes(`"${logicalId}"`)).flatMap((s) => asArray(s.Action) as string[]))].sort();
    expect(used(tables.targets)).toEqual(granted(logicalIds.targets));
    expect(used(tables.state)).toEqual(granted(logicalIds.state));
    expect(recording.requests.filter((r) => r.table === tables.targets).map((r) => r.attributes)).toContainEqual(['digest', 'target']);
    expect(parts.notifier.accepted.length).toBeGreaterThan(0);
  });

  test('the evaluator refuses what the policy must refuse: another attribute, or values returned', () => {
    // Prepare
    const { stack, template } = synthPortwatch();
    const targets = logicalIdOf(stack, 'Tables/TargetsTable');
    const statement = policyStatements(template)
      .map((s) => s.statement as Statement)
      .find((s) => s.Action === 'dynamodb:UpdateItem' && JSON.stringify(s.Resource).includes(`"${targets}"`));
    if (!statement) throw new Error('no UpdateItem statement on the Targets table');
    const request = (attributes: string[], returnValues = 'NONE'): Recorded => ({ action: 'dynamodb:UpdateItem', table: 'targets', attributes, returnValues });

    // Act / Assess
    expect(conditionsHold(statement, request(['digest', 'target']))).toBe(true);
    expect(conditionsHold(statement, request(['enabled', 'target']))).toBe(false);
    expect(conditionsHold(statement, request(['digest', 'target'], 'ALL_OLD'))).toBe(false);
    expect(topLevelNames('SET #d = :d', { '#d': 'digest' })).toEqual(['digest']);
    expect(topLevelNames('attribute_exists(#t) AND (NOT attribute_type(#d.#v, :n) OR #d.#v <= :v) AND enabled = :e', { '#t': 'target', '#d': 'digest', '#v': 'v' })).toEqual([
      'target',
      'digest',
      'digest',
      'enabled',
    ]);
  });
});

/** A user's Targets item, as `portwatch targets add` writes it (no digest yet). */
function putTarget(table: string, target: string): PutItemCommand {
  return new PutItemCommand({ TableName: table, Item: { target: { S: target }, expect: { S: 'open' } } });
}
