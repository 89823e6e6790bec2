/** What to do about an alert, in a sentence or two: the e-mail's last line and the chat card's next step. */
import type { Finding } from '../probe/types';
import type { Alert } from './model';
import { VANTAGE_LABEL, agreeingSide, nameList } from './reach-text';

/** What fixes a finding, for the findings whose fix is one configuration change on the broker. */
const FINDING_FIX: Readonly<Partial<Record<Finding, string>>> = {
  'weak-key': 'Re-issue the certificate with an RSA key of at least 2048 bits or an EC P-256 key.',
  'weak-signature': 'Re-issue the certificate signed with SHA-256 (or stronger).',
  'weak-cipher': 'Restrict the TLS 1.2 suites to ECDHE with AES-GCM or ChaCha20 (mosquitto: ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305), or require TLS 1.3 (tls_version tlsv1.3).',
};

/** Open from some vantage points only: what differs between them, in the order it is usually found. */
const PARTIAL_ADVICE =
  'Clients in some places can reach this broker and clients in others cannot. Compare, for the vantage points under "Seen from": ' +
  'security-group and network-ACL source ranges and any firewall or geo-blocking in front of the broker; routes and peering (VPN, transit gateway, on-premises paths); ' +
  'and what DNS answers there (geo or latency routing, anycast, a stale record). `portwatch status TARGET` shows which vantage points see it open.';

/** ` It is open from eu-west-1 only: ...` on an exposure or an outage that not every vantage point sees. */
function onlyFrom(alert: Alert): string {
  const side = agreeingSide(alert.open, alert.reach);
  if (side === null || alert.reach === undefined) return '';
  if (alert.open) return ` It is open from ${nameList(side)} only: look for a rule or route that admits that path (a source range, one region's security group, a geo DNS answer).`;
  return ` It is still open from ${nameList(alert.reach.open)}: compare what differs on the paths from ${nameList(side)} (see "Seen from").`;
}

/** What to do about an alert, in a sentence or two. */
export function advice(alert: Alert): string {
  if (alert.event === 'partial') return PARTIAL_ADVICE;
  if (alert.event === 'reachable') return 'No action needed: every vantage point reaches the target again.';
  if (alert.addedFindings.includes('anonymous-access') || (alert.open && alert.findings.includes('anonymous-access'))) {
    return 'Anyone on the network can read and publish to this broker. Require authentication (allow_anonymous false or an authorizer) or close the port now.';
  }
  if (alert.addedFindings.includes('plaintext-listener') || (alert.open && alert.findings.includes('plaintext-listener'))) {
    return 'Clients that connect to the plaintext port send their credentials and messages in clear. Remove that listener, or bind it to loopback (mosquitto: listener 1883 127.0.0.1), or block the port; require authentication there too (allow_anonymous false).';
  }
  if (alert.event === 'opened' && alert.expected === 'closed') {
    if (alert.rootCause && alert.rootCause.remediation.length > 0) return 'This port should be closed. Revoke the rules named under "Close it" (or narrow their source), or stop the listener.';
    return `This port should be closed. Check the security group, firewall and broker configuration of this host, then close it.${onlyFrom(alert)}`;
  }
  if (alert.event === 'closed' && alert.expected === 'open') {
    return `Devices cannot reach this broker. Check that the broker process runs and that its listener and firewall allow 8883.${onlyFrom(alert)}`;
  }
  if (alert.event === 'cert-changed') {
    return (
      'If nobody replaced or re-keyed this certificate, treat it as an incident: someone may be intercepting connections to the broker ' +
      '(a proxy presenting its own certificate), or the broker was replaced. Compare the fingerprints with the certificate installed on the broker. ' +
      'If it was planned, nothing to do: this certificate is now the known one.'
    );
  }
  if (alert.event === 'degraded') {
    const vantage = alert.labels[VANTAGE_LABEL];
    if (vantage !== undefined) return `Check the prober in ${vantage}: its network egress, DNS, or Lambda limits. Meanwhile the other vantage points decide; if the fleet really changed, they alert.`;
    return 'Check the scanner: its network egress, DNS, or Lambda limits. If the fleet really changed, the held alerts follow once the hold ends.';
  }
  if (alert.severity === 'info') return 'No action needed: the target is back in its expected state.';
  const fixes = (alert.event === 'posture' ? alert.addedFindings : alert.findings).flatMap((f) => FINDING_FIX[f] ?? []);
  if (fixes.length > 0) return fixes.join(' ');
  return 'Check whether this change was planned.';
}
