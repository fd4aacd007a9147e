import type { ReturnStatus } from '../generated/prisma/enums.js';
import { formatDate } from '../format.js';
import { describeStage } from '../reminders/ladder.js';
import { RETURN_STATUS_TAGS } from './progress.js';
import { z } from 'zod';

// The audit trail of a return in plain English: what each action was and which fields changed.

const ACTION_LABELS: Record<string, string> = {
  'return.started': 'Return started',
  'response.saved': 'Answer saved',
  'return.carried_forward': 'Answers carried forward from an earlier return',
  'return.service_added': 'Service added',
  'return.service_changed': 'Service changed',
  'return.service_removed': 'Service removed, with its answers',
  'evidence.uploaded': 'Evidence uploaded',
  'evidence.linked': 'Evidence added to an answer',
  'evidence.unlinked': 'Evidence removed from an answer',
  'evidence.quarantined': 'Evidence blocked by the virus check',
  'return.submitted': 'Return submitted',
  'return.workbook_downloaded': 'Return downloaded as a spreadsheet',
  'return.workbook_uploaded': 'Answers uploaded from a spreadsheet',
  'return.history_imported': 'Past return imported from a spreadsheet',
  'requirement_review.decided': 'Requirement reviewed',
  'requirement_review.changed': 'Requirement review changed',
  'return.accepted': 'Return accepted',
  'return.returned': 'Return sent back to the provider',
  'return.extension_agreed': 'Extension agreed',
  'chaser.queued': 'Reminder email written',
  'email.sent': 'Reminder email sent',
  'email.failed': 'Reminder email not delivered',
  'email.cancelled': 'Reminder email not needed any more',
  'email.retry_requested': 'Reminder email to be sent again',
};

const FIELD_LABELS: Record<string, string> = {
  actionPlan: 'Actions planned',
  actionDueDate: 'Action date',
  carriedForward: 'Carried forward, not yet confirmed',
  carriedFrom: 'Carried forward from',
  evidenceLinked: 'Evidence items linked',
  submission: 'Submission number',
  onBehalfOf: 'On behalf of',
  appAnswersKept: 'Answers changed online kept instead of the spreadsheet’s',
  snapshotSha256: 'Snapshot SHA-256',
  signature: 'What the virus check found',
  fileName: 'File',
  fileSha256: 'File SHA-256',
  answers: 'Answers in the file',
  answersRemoved: 'Answers removed',
};

/**
 * Fields that only staff are shown (under "Technical details" elsewhere): hashes and ids mean nothing
 * to a provider's people.
 */
const TECHNICAL_FIELDS = new Set([
  'snapshotSha256',
  'sha256',
  'fileSha256',
  'emailId',
  'evidenceId',
  'requirementId',
]);

/** Actions without a label here read as their name: "evidence.linked" is "Evidence linked". */
function actionLabel(action: string): string {
  const known = ACTION_LABELS[action];
  if (known) return known;
  const words = action.replace(/[._]/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function fieldLabel(field: string): string {
  const known = FIELD_LABELS[field];
  if (known) return known;
  const words = field.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

function displayValue(field: string, value: unknown): string {
  if (value === null || value === undefined || value === '') return 'None';
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  if (typeof value === 'string') {
    if (field === 'status' && value in RETURN_STATUS_TAGS)
      return RETURN_STATUS_TAGS[value as ReturnStatus].text;
    if (field === 'stage') return describeStage(value);
    return ISO_DATE.test(value) ? formatDate(new Date(`${value}T00:00:00Z`)) : value;
  }
  if (typeof value === 'number') return String(value);
  return JSON.stringify(value);
}

const auditFields = z.record(z.string(), z.unknown());

/** An audit event's before or after (a JSON object), or no fields for anything else. */
function asRecord(value: unknown): Record<string, unknown> {
  const parsed = auditFields.safeParse(value);
  return parsed.success ? parsed.data : {};
}

export interface HistoryEvent {
  occurredAt: Date;
  action: string;
  before: unknown;
  after: unknown;
  actor: { displayName: string } | null;
  requirementCode: string | undefined;
}

export interface HistoryRow {
  occurredAt: Date;
  who: string;
  what: string;
  changes: { field: string; before: string; after: string }[];
}

/** The events as rows; `technical` (staff) keeps the fields of TECHNICAL_FIELDS, which others never see. */
export function historyRows(events: readonly HistoryEvent[], technical: boolean): HistoryRow[] {
  return events.map((event) => {
    const before = asRecord(event.before);
    const after = asRecord(event.after);
    const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter(
      (field) => technical || !TECHNICAL_FIELDS.has(field),
    );
    const what = actionLabel(event.action);
    return {
      occurredAt: event.occurredAt,
      // Jobs and imports act with no user.
      who: event.actor?.displayName ?? 'System',
      what: event.requirementCode ? `${what}: ${event.requirementCode}` : what,
      changes: fields.map((field) => ({
        field: fieldLabel(field),
        before: field in before ? displayValue(field, before[field]) : 'None',
        after: field in after ? displayValue(field, after[field]) : 'None',
      })),
    };
  });
}
