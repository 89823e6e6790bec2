/**
 * The Security Hub sink: BatchImportFindings of the findings an alert changes (created, updated, or
 * archived as resolved) and of the findings quiet targets still hold (the weekly refresh), in
 * batches of at most 100, into the account's default product.
 */
import { BatchImportFindingsCommand, type AwsSecurityFinding, type SecurityHubClient } from '@aws-sdk/client-securityhub';
import { SINK_NAMES } from '../../contracts/metrics';
import { currentFindings, findingsOfAlert, subjectOfState, type AsffFinding, type AsffScope } from '../../monitor/asff';
import type { AlertSink, RefreshTarget } from '../../monitor/dependencies';
import type { Alert } from '../../monitor/model';

/** BatchImportFindings takes at most 100 findings per request. */
export const MAX_FINDINGS_PER_IMPORT = 100;

/** Security Hub refused some findings of an import (FailedFindings): each with its id, code and message. */
export class FindingsImportError extends Error {
  override readonly name = 'FindingsImportError';
  constructor(readonly failed: readonly { readonly id: string; readonly code: string; readonly message: string }[], readonly imported: number) {
    super(`Security Hub refused ${failed.length} of ${failed.length + imported} findings: ${failed.map((f) => `${f.id} ${f.code} (${f.message})`).join('; ')}`);
  }
}

export class SecurityHubFindings implements AlertSink {
  readonly name = SINK_NAMES.securityHub;

  constructor(
    private readonly client: Pick<SecurityHubClient, 'send'>,
    private readonly scope: AsffScope,
  ) {}

  async deliver(alert: Alert): Promise<void> {
    await this.importFindings(findingsOfAlert(alert, this.scope));
  }

  async refresh(targets: readonly RefreshTarget[]): Promise<void> {
    await this.importFindings(targets.flatMap((t) => currentFindings(subjectOfState(t.state, t.info, t.at), this.scope)));
  }

  /**
   * Imports in batches of 100 and throws when any finding was refused, after every batch was tried.
   * A retry imports the whole set again: an import of an existing Id is an update, so the findings
   * that were accepted the first time are only updated again, never duplicated.
   */
  async importFindings(findings: readonly AsffFinding[]): Promise<void> {
    const failed: { id: string; code: string; message: string }[] = [];
    let imported = 0;
    for (let i = 0; i < findings.length; i += MAX_FINDINGS_PER_IMPORT) {
      const batch = findings.slice(i, i + MAX_FINDINGS_PER_IMPORT);
      const answer = await this.client.send(new BatchImportFindingsCommand({ Findings: batch as AwsSecurityFinding[] }));
      imported += answer.SuccessCount ?? 0;
      for (const f of answer.FailedFindings ?? []) failed.push({ id: f.Id ?? '?', code: f.ErrorCode ?? '?', message: f.ErrorMessage ?? '' });
      // An answer that counts failures it does not list is a refusal all the same.
      const unlisted = (answer.FailedCount ?? 0) - (answer.FailedFindings?.length ?? 0);
      if (unlisted > 0) failed.push({ id: `${unlisted} more`, code: 'FailedCount', message: 'counted, not listed' });
    }
    if (failed.length > 0) throw new FindingsImportError(failed, imported);
  }
}
