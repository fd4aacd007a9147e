import { assertCanReadRegister } from '../auth/access.js';
import type { Db } from '../db/prisma.js';
import type { ReviewDecision } from '../generated/prisma/enums.js';
import { gradingRecordLines } from '../returns/grading.js';
import { statusWords } from '../returns/progress.js';
import type { CurrentUser } from '../auth/current-user.js';
import type { VersionMapping } from '../frameworks/version-mapping.schema.js';
import { actionLines, type ActionCarry } from '../actions/action-items.js';
import { findActionsOfProviders, type ActionListRow } from '../actions/queries.js';
import type { CsvRow } from './csv.js';
import {
  findReturnsWithAnswers,
  listExportReturns,
  type ExportFilter,
  type ReturnWithAnswers,
} from './queries.js';

// The requirement-level export: one row per answer of every return in a period. Read a batch of
// returns at a time (about BATCH_ROWS answers), so memory stays flat however large the period is.

export const REQUIREMENT_EXPORT_HEADER = [
  'Provider',
  'ODS code',
  'Standard',
  'Version',
  'Period',
  'Return status',
  'Due date',
  'Requirement code',
  'Requirement title',
  'Rating',
  'Score',
  'Why not applicable',
  'Narrative',
  'Actions',
  'Reviewer decision',
  'Reviewer reason',
  'Submitted at',
  'Decided at',
  // Who graded the return (issue 14: EDS), the same on every row of the return; empty for other standards.
  'Date of grading',
  'Who took part in grading',
  'How the scores were agreed',
  'Dissent',
] as const;

export const DEFAULT_BATCH_ROWS = 1_000;

export const DECISION_LABELS: Record<ReviewDecision, string> = { accepted: 'Accepted', returned: 'Returned' };

/** Calendar dates (`@db.Date`) as YYYY-MM-DD: what a spreadsheet reads as a date everywhere. */
export function dateCell(date: Date | null | undefined): string {
  return date ? date.toISOString().slice(0, 10) : '';
}

/** Groups returns into batches of about `batchRows` answers (a larger return makes its own batch). */
export function batchesOf(
  returns: readonly { id: string; answers: number }[],
  batchRows: number,
): string[][] {
  const batches: string[][] = [];
  let current: string[] = [];
  let rows = 0;
  for (const item of returns) {
    if (current.length > 0 && rows + item.answers > batchRows) {
      batches.push(current);
      current = [];
      rows = 0;
    }
    current.push(item.id);
    rows += item.answers;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/**
 * The answer's actions (issue 14), a line each: those linked to its requirement and the open ones
 * carried from another version, as its page shows them.
 */
export function actionLinesFor(
  actions: readonly ActionListRow[],
  providerId: string,
  carry: ActionCarry,
  requirement: { id: string; code: string },
): string {
  return actionLines(
    actions.filter((action) => action.providerId === providerId),
    carry,
    requirement,
  ).join('\n');
}

interface ServiceAnswer {
  requirement: { code: string; position: number; group?: { position: number } };
  /** The service answered for (absent where nothing is answered per service). */
  service?: { name: string; position: number } | null;
}

/**
 * Answers in the task list's order: by group, then (an EDS 2022 Domain 1 answered per service) by
 * service, then by requirement.
 */
export function byAnswerOrder(a: ServiceAnswer, b: ServiceAnswer): number {
  return (
    (a.requirement.group?.position ?? 0) - (b.requirement.group?.position ?? 0) ||
    (a.service?.position ?? 0) - (b.service?.position ?? 0) ||
    a.requirement.position - b.requirement.position ||
    a.requirement.code.localeCompare(b.requirement.code)
  );
}

/**
 * How an export names each answer's requirement: its code, and its service when the return assesses
 * several ("1A (Maternity)"); one service ("All services") reads as before.
 */
export function answerCodes(responses: readonly ServiceAnswer[]): (response: ServiceAnswer) => string {
  const several =
    new Set(responses.flatMap((response) => (response.service ? [response.service.name] : []))).size > 1;
  return (response) =>
    several && response.service
      ? `${response.requirement.code} (${response.service.name})`
      : response.requirement.code;
}

function rowsOfReturn(
  item: ReturnWithAnswers,
  actions: readonly ActionListRow[],
  mappings: readonly VersionMapping[],
): CsvRow[] {
  const latest = item.submissions[0];
  // Each service's answer has its own decision (issue 14).
  const answerOf = (answer: { requirementId: string; serviceId: string | null }) =>
    `${answer.requirementId} ${answer.serviceId ?? ''}`;
  const reviews = new Map(latest?.requirementReviews.map((review) => [answerOf(review), review]) ?? []);
  const responses = [...item.responses].sort(byAnswerOrder);
  const codeOf = answerCodes(responses);
  const grading = item.gradingRecord
    ? gradingRecordLines(item.gradingRecord).map((line) => line.value)
    : ['', '', '', ''];
  return responses.map((response) => {
    const review = reviews.get(answerOf(response));
    // A requirement's own decision; failing that, the decision on the whole submission.
    const decision = review?.decision ?? latest?.review?.decision;
    return [
      item.provider.name,
      item.provider.odsCode,
      item.frameworkVersion.framework.name,
      item.frameworkVersion.code,
      item.period.label,
      statusWords(item.status, item.imported !== null),
      dateCell(item.dueDate),
      codeOf(response),
      response.requirement.title,
      response.notApplicable ? 'Not applicable' : (response.ratingLevel?.label ?? ''),
      response.ratingLevel ? response.ratingLevel.score : '',
      response.notApplicable ? response.notApplicableReason : '',
      response.narrative,
      actionLinesFor(
        actions,
        item.providerId,
        { version: item.frameworkVersion, mappings },
        { id: response.requirementId, code: response.requirement.code },
      ),
      decision ? DECISION_LABELS[decision] : '',
      review?.reason ?? '',
      latest?.submittedAt ?? item.submittedAt ?? '',
      review?.decidedAt ?? latest?.review?.decidedAt ?? item.decidedAt ?? '',
      ...grading,
    ];
  });
}

/**
 * Every answer the filter covers, in provider, standard and requirement order, read in batches.
 * Staff only: the whole region's answers.
 */
export async function* requirementExportRows(
  db: Db,
  user: CurrentUser,
  filter: ExportFilter,
  mappings: readonly VersionMapping[],
  batchRows = DEFAULT_BATCH_ROWS,
): AsyncGenerator<CsvRow> {
  assertCanReadRegister(user);
  const returns = await listExportReturns(db, filter);
  for (const batch of batchesOf(returns, batchRows)) {
    const found = new Map((await findReturnsWithAnswers(db, batch)).map((item) => [item.id, item]));
    const actions = await findActionsOfProviders(db, [
      ...new Set([...found.values()].map((item) => item.providerId)),
    ]);
    for (const id of batch) {
      const item = found.get(id);
      // A return deleted since the list was read is simply left out.
      if (item) yield* rowsOfReturn(item, actions, mappings);
    }
  }
}
