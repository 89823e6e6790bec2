import { runDiscoveryBench, totalCalls } from '../../bench/discovery';

/*
 * Discovery across many accounts in one run, on the real SDK clients against the AWS stand-in
 * (EC2, ELBv2, Route 53, STS, Organizations in their wire formats on 127.0.0.1, reached through
 * AWS_ENDPOINT_URL_<SERVICE>) and the embedded DynamoDB. npm test runs 5 accounts of 20 interfaces;
 * `npm run bench` runs 10,000 interfaces across 50 accounts (PORTWATCH_DISCOVERY_ACCOUNTS and
 * PORTWATCH_DISCOVERY_INTERFACES set the size here too). No timing is asserted: the figures are printed
 * by the bench.
 */
const accounts = Number(process.env.PORTWATCH_DISCOVERY_ACCOUNTS ?? 5);
const interfaces = Number(process.env.PORTWATCH_DISCOVERY_INTERFACES ?? 20);

describe(`discovery of ${accounts * interfaces} interfaces across ${accounts} accounts`, () => {
  it('reads every account in one run with a fixed number of calls per account, and a second run writes nothing', async () => {
    // Act
    const r = await runDiscoveryBench(accounts, interfaces);
    // Assess: every interface, both balancers and 20 names per account (the names share the interfaces' addresses' keys only by chance: none here).
    expect(r.first.report.scopes.filter((s) => s.error !== null)).toEqual([]);
    expect(r.targets).toBe(accounts * (interfaces + 2 + 20));
    expect(r.first.writes).toBe(r.targets);
    // Per account: AssumeRole (not for home), interfaces and their instances' tags by the page, addresses,
    // balancers, their listeners (one call each) and tags, zones and records; plus ListAccounts.
    const pages = Math.ceil(interfaces / 1000);
    const perAccount = pages + Math.ceil((interfaces * 2) / 1000) + 1 + 1 + 2 + 1 + 1 + 1;
    expect(totalCalls(r.first.calls)).toBe(accounts * perAccount + (accounts - 1) + 1);
    expect(r.second.writes).toBe(0);
    expect(r.second.report.plan.unchanged).toBe(r.targets);
    if (process.env.PORTWATCH_DISCOVERY_REPORT) {
      process.stdout.write(`${JSON.stringify({ interfaces: r.interfaces, accounts, targets: r.targets, first: { wallMs: r.first.wallMs, calls: r.first.calls, writes: r.first.writes }, second: { wallMs: r.second.wallMs, writes: r.second.writes } }, null, 1)}\n`);
    }
    // The full size takes minutes on the embedded DynamoDB's 10,000+ conditional writes.
  }, accounts * interfaces > 1000 ? 900_000 : 30_000);
});
