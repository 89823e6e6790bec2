/** The alert's "Root cause" section in words: the resource, its groups, each rule admitting the port and from where, who changed the group, the revoke command. */
import type { Origin, RootCause, RuleSource } from './exposure-model';

function sourceWords(source: RuleSource): string {
  switch (source.kind) {
    case 'cidr':
      return source.anywhere ? `${source.cidr} (ANYWHERE on the internet)` : source.cidr;
    case 'prefix-list':
      return `prefix list ${source.prefixListId}`;
    case 'security-group':
      return `members of security group ${source.groupId}${source.account ? ` (account ${source.account})` : ''}`;
  }
}

/** `network interface eni-0abc (web-1) attached to i-0123, account 111122223333 eu-west-1`. */
export function originLine(origin: Origin): string {
  const kind = origin.kind.replace('-', ' ');
  const name = origin.name !== origin.resourceId ? ` (${origin.name})` : '';
  const attached = origin.attachedTo ? `, attached to ${origin.attachedTo}` : '';
  const where = origin.region === 'global' ? `account ${origin.account}` : `account ${origin.account} ${origin.region}`;
  return `${kind} ${origin.resourceId}${name}${attached}, ${where}`;
}

/** Lines for an alert of a discovered target: its resource always, the root cause when one was looked up. */
export function originLines(origin: Origin | undefined, rootCause: RootCause | undefined): string[] {
  if (origin === undefined) return [];
  const lines = ['', `Resource: ${originLine(origin)}`, `  ARN: ${origin.arn}`];
  if (origin.listeners && origin.listeners.length > 0) lines.push(`  Listeners: ${origin.listeners.join(', ')}`);
  if (rootCause === undefined) return lines;
  lines.push('', `Root cause (${rootCause.status}):`);
  lines.push(`  Security groups: ${rootCause.origin.securityGroups.join(', ') || 'none'}`);
  for (const r of rootCause.rules) {
    lines.push(`  - ${r.groupId} rule ${r.ruleId} admits ${r.ports} from ${sourceWords(r.source)}${r.description ? ` ("${r.description}")` : ''}`);
  }
  if (rootCause.changes.length > 0) {
    lines.push('  Changed in the last 24 h (CloudTrail):');
    for (const c of rootCause.changes) lines.push(`  - ${c.at} ${c.eventName} on ${c.groupId} by ${c.who}${c.sourceIp ? ` from ${c.sourceIp}` : ''}`);
  } else if (rootCause.rules.length > 0 && !rootCause.notes.some((n) => /cloudtrail/i.test(n))) {
    lines.push('  No change to these groups in the last 24 h (CloudTrail): the rule is older than the exposure, so the listener is what is new.');
  }
  for (const n of rootCause.notes) lines.push(`  Note: ${n}`);
  if (rootCause.remediation.length > 0) {
    lines.push('', `Close it (with credentials of account ${rootCause.origin.account}):`, ...rootCause.remediation.map((c) => `  ${c}`));
    if (rootCause.rules.some((r) => r.ports !== `tcp ${rootCause.port}`)) {
      lines.push(`  A rule above admits more than tcp ${rootCause.port}: revoking it closes every port it admits; re-add what must stay open.`);
    }
  }
  return lines;
}
