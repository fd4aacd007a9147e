import { actionCarry, actionLines } from '../actions/action-items.js';
import { findFrameworkActions } from '../actions/queries.js';
import { recordAudit } from '../audit/audit.js';
import { assertCanEditForProvider, canEditForProvider, isCommissionerEditor } from '../auth/access.js';
import type { CurrentUser } from '../auth/current-user.js';
import type { AppDeps, DataDeps } from '../deps.js';
import { Conflict, Forbidden, NotFound } from '../errors.js';
import { standardName } from '../frameworks/names.js';
import { versionContent, type VersionRequirement } from '../frameworks/version-content.js';
import { formatDate } from '../format.js';
import { importFileKind } from '../imports/import-file.js';
import { countServices, findAnswers, lockReturn, type AnswerRow } from './queries.js';
import { checkAnswerInput, saveAnswerIn, visibleReturn, type AnswerInput } from './returns.service.js';
import { assertEditable, isEditable } from './rules.js';
import { answerFormSchema, NOT_APPLICABLE_RATING } from './schemas.js';
import { buildReturnWorkbook, NOT_APPLICABLE_LABEL } from './workbook-file.js';
import { readReturnWorkbook, type WorkbookRow } from './workbook-read.js';
import { signWorkbookToken, verifyWorkbookToken } from './workbook-token.js';

// Returns by spreadsheet: the download. The provider's own people download their return to fill in
// offline; a contract manager (or administrator) may download it on the provider's behalf, which the
// audit trail records as such. Viewers and other providers' people may not. A past return imported
// from a spreadsheet (history-import.service.ts) has no workbook either way: nobody changes it.

const IMPORTED_REFUSAL =
  'This return was imported from a spreadsheet as a past period’s answers, so it cannot be downloaded or uploaded as a workbook: nobody can change it. Its answers are on the return’s page';

const SERVICES_REFUSAL =
  'This return assesses more than one service in Domain 1, and the workbook has one row per outcome, so it cannot be downloaded or uploaded as a workbook: answer each service’s outcomes on the return’s pages';

/**
 * The return, refused if it was imported from a spreadsheet (it is history, frozen), or if it answers
 * outcomes for several services (issue 14): one row per outcome cannot say which service it is for.
 */
async function workbookReturn(prisma: AppDeps['prisma'], user: CurrentUser, returnId: string) {
  const row = await visibleReturn(prisma, user, returnId);
  if (row.imported) throw new Conflict(IMPORTED_REFUSAL);
  if ((await countServices(prisma, row.id)) > 1) throw new Conflict(SERVICES_REFUSAL);
  return row;
}

export interface ReturnWorkbook {
  fileName: string;
  content: Buffer;
}

export async function downloadReturnWorkbook(
  { prisma, caches, sessionSecret }: Pick<AppDeps, 'prisma' | 'caches' | 'sessionSecret'>,
  user: CurrentUser,
  returnId: string,
): Promise<ReturnWorkbook> {
  const row = await workbookReturn(prisma, user, returnId);
  const ownPeople = canEditForProvider(user, row.providerId);
  if (!ownPeople && !isCommissionerEditor(user))
    throw new Forbidden(
      'Only the provider’s own people, or a contract manager on their behalf, can download the return to fill in',
    );
  const { requirements } = await versionContent(caches.versions, prisma, row.frameworkVersionId);
  const answers = new Map(
    (await findAnswers(prisma, row.id)).map((answer) => [answer.requirementId, answer]),
  );
  const token = signWorkbookToken(sessionSecret, {
    returnId: row.id,
    providerId: row.providerId,
    versions: Object.fromEntries(
      requirements.map((requirement) => [requirement.id, answers.get(requirement.id)?.version ?? 0]),
    ),
  });
  const name = standardName(row.frameworkVersion.framework.name, row.frameworkVersion.code);
  const frameworkId = row.frameworkVersion.frameworkId;
  const actions = await findFrameworkActions(prisma, row.providerId, frameworkId);
  const carry = await actionCarry(caches.versionMappings, row.frameworkVersion);
  const linesPerRequirement = new Map(
    requirements.map((requirement) => [requirement.id, actionLines(actions, carry, requirement).join('\n')]),
  );
  const content = await buildReturnWorkbook({
    providerName: row.provider.name,
    standardName: name,
    periodLabel: row.period.label,
    dueDate: formatDate(row.dueDate),
    requirements,
    answers,
    actionLines: linesPerRequirement,
    token,
  });
  await recordAudit(prisma, {
    actorId: user.id,
    action: 'return.workbook_downloaded',
    entityType: 'return',
    entityId: row.id,
    returnId: row.id,
    after: ownPeople ? {} : { onBehalfOf: row.provider.name },
  });
  return {
    fileName: `${row.provider.name} ${name} return ${row.period.label}.xlsx`.replace(/[/\\]/g, '-'),
    content,
  };
}

// ---------------------------------------------------------------------------------------------
// The upload: every row checked, a preview of what changes, then one transaction through the same
// save as the answer form (saveAnswerIn), with the same optimistic concurrency.

/** An answer as the preview and the save carry it (the date as YYYY-MM-DD: it travels in the session). */
export interface PlannedAnswer {
  ratingCode: string | null;
  notApplicable: boolean;
  notApplicableReason: string;
  narrative: string;
}

export interface PlannedChange {
  requirementId: string;
  code: string;
  title: string;
  /** change: nobody changed it in the app since the download; conflict: someone did, the user chooses. */
  kind: 'change' | 'conflict';
  /** The version the save expects: the downloaded one (change) or the one the preview showed (conflict). */
  version: number;
  answer: PlannedAnswer;
  differences: { field: string; app: string; workbook: string }[];
  /** For a conflict: who changed it in the app, and when. */
  changedBy?: string;
  changedAt?: string;
}

export interface WorkbookPlan {
  returnId: string;
  fileName: string;
  changes: PlannedChange[];
  unchangedCount: number;
}

export type UploadOutcome = { ok: true; plan: WorkbookPlan } | { ok: false; errors: string[] };

const refuse = (error: string): UploadOutcome => ({ ok: false, errors: [error] });

function ratingText(requirement: VersionRequirement, answer: PlannedAnswer): string {
  if (answer.notApplicable) return NOT_APPLICABLE_LABEL;
  return requirement.ratingScale.levels.find((level) => level.code === answer.ratingCode)?.label ?? '';
}

function plannedFromRow(answer: AnswerRow | undefined): PlannedAnswer {
  return {
    ratingCode: answer?.notApplicable ? null : (answer?.ratingLevel?.code ?? null),
    notApplicable: answer?.notApplicable ?? false,
    notApplicableReason: answer?.notApplicable ? answer.notApplicableReason : '',
    narrative: answer?.narrative ?? '',
  };
}

function differences(requirement: VersionRequirement, app: PlannedAnswer, workbook: PlannedAnswer) {
  const fields: [string, string, string][] = [
    ['Rating', ratingText(requirement, app), ratingText(requirement, workbook)],
    ['Reason it is not applicable', app.notApplicableReason, workbook.notApplicableReason],
    ['Narrative', app.narrative, workbook.narrative],
  ];
  return fields
    .filter(([, before, after]) => before !== after)
    .map(([field, before, after]) => ({ field, app: before || 'None', workbook: after || 'None' }));
}

export interface CheckedAnswer {
  requirement: VersionRequirement;
  answer: PlannedAnswer;
}

/**
 * Every row of an uploaded workbook checked against the standard's requirements, as the answer
 * form's draft save checks one answer (a rating from the requirement's scale, "not applicable" only
 * where allowed and with its reason, text within the limits, a date that is one): the answers by
 * requirement, or every problem, row by row.
 */
export function checkWorkbookRows(
  requirements: readonly VersionRequirement[],
  rows: readonly WorkbookRow[],
): { ok: true; answers: CheckedAnswer[] } | { ok: false; errors: string[] } {
  const byCode = new Map(requirements.map((requirement) => [requirement.code.toLowerCase(), requirement]));
  const errors: string[] = [];
  const seen = new Set<string>();
  const answers: CheckedAnswer[] = [];
  for (const line of rows) {
    const where = `Row ${String(line.number)}`;
    const requirement = byCode.get(line.code.toLowerCase());
    if (!requirement) {
      errors.push(
        line.code
          ? `${where}: this return has no requirement with the code "${line.code}"`
          : `${where}: the Code is empty: put back the code that was downloaded`,
      );
      continue;
    }
    if (seen.has(requirement.id)) {
      errors.push(`${where}: requirement ${requirement.code} is in the workbook more than once`);
      continue;
    }
    seen.add(requirement.id);
    const wanted = line.rating.toLowerCase();
    const notApplicable = requirement.notApplicableAllowed && wanted === NOT_APPLICABLE_LABEL.toLowerCase();
    const level = requirement.ratingScale.levels.find(
      (candidate) => candidate.label.toLowerCase() === wanted || candidate.code.toLowerCase() === wanted,
    );
    const parsed = answerFormSchema({
      subject: requirement.code,
      levelCodes: requirement.ratingScale.levels.map((candidate) => candidate.code),
      complete: false,
      notApplicableAllowed: requirement.notApplicableAllowed,
    }).safeParse({
      rating: notApplicable ? NOT_APPLICABLE_RATING : (level?.code ?? ''),
      notApplicableReason: line.notApplicableReason,
      narrative: line.narrative,
      version: 0,
    });
    const rowErrors: string[] = [];
    if (line.rating !== '' && !level && !notApplicable)
      rowErrors.push(
        `"${line.rating}" is not a rating for ${requirement.code}: pick one from the drop-down list`,
      );
    if (!parsed.success) rowErrors.push(...parsed.error.issues.map((issue) => issue.message));
    if (!notApplicable && line.notApplicableReason !== '')
      rowErrors.push(
        `A reason it is not applicable is given for ${requirement.code}, but its rating is not "Not applicable"`,
      );
    if (rowErrors.length > 0 || !parsed.success) {
      errors.push(...[...new Set(rowErrors)].map((message) => `${where}: ${message}`));
      continue;
    }
    answers.push({
      requirement,
      answer: {
        ratingCode: notApplicable ? null : (level?.code ?? null),
        notApplicable,
        notApplicableReason: notApplicable ? parsed.data.notApplicableReason : '',
        narrative: parsed.data.narrative,
      },
    });
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, answers };
}

/**
 * The return an upload is for, never an imported one: its own people, or a contract manager or
 * administrator uploading what the provider filled in offline on its behalf (audited as such; the
 * provider's lead still submits).
 */
export async function uploadTarget({ prisma }: Pick<AppDeps, 'prisma'>, user: CurrentUser, returnId: string) {
  const row = await workbookReturn(prisma, user, returnId);
  if (!isCommissionerEditor(user)) assertCanEditForProvider(user, row.providerId);
  return row;
}

export async function planWorkbookUpload(
  { prisma, caches, sessionSecret, config }: Pick<AppDeps, 'prisma' | 'caches' | 'sessionSecret' | 'config'>,
  user: CurrentUser,
  returnId: string,
  file: { fileName: string; content: Buffer },
): Promise<UploadOutcome> {
  const row = await uploadTarget({ prisma }, user, returnId);
  if (!isEditable(row.status))
    return refuse(
      `This return has been ${row.status === 'accepted' ? 'accepted' : 'submitted'}, so a workbook cannot change it: nothing was saved`,
    );
  if (importFileKind(file.fileName, file.content) !== 'xlsx')
    return refuse('The file must be an Excel workbook (.xlsx) downloaded from this return’s page');
  const read = await readReturnWorkbook(file.content, config.imports.maxRows);
  if (!read.ok) return refuse(read.error);
  if (!read.token)
    return refuse(
      'This workbook has no hidden sheet saying which return it is for: download the workbook from this return’s page and fill that in',
    );
  const token = verifyWorkbookToken(sessionSecret, read.token);
  if (!token)
    return refuse(
      'This workbook’s hidden sheet has been changed, so it cannot be trusted: download a new workbook from this return’s page and copy your answers into it',
    );
  if (token.providerId !== row.providerId)
    return refuse(
      'This workbook is for another provider’s return: upload the workbook downloaded from this return’s page',
    );
  if (token.returnId !== row.id)
    return refuse(
      'This workbook is for another return (another standard or period): upload the workbook downloaded from this return’s page',
    );

  const { requirements } = await versionContent(caches.versions, prisma, row.frameworkVersionId);
  const checked = checkWorkbookRows(requirements, read.rows);
  if (!checked.ok) return checked;
  const answers = new Map(
    (await findAnswers(prisma, row.id)).map((answer) => [answer.requirementId, answer]),
  );
  const changes: PlannedChange[] = [];
  let unchangedCount = 0;
  for (const { requirement, answer } of checked.answers) {
    const current = answers.get(requirement.id);
    const found = differences(requirement, plannedFromRow(current), answer);
    if (found.length === 0) {
      unchangedCount += 1;
      continue;
    }
    const currentVersion = current?.version ?? 0;
    const downloaded = token.versions[requirement.id] ?? 0;
    const conflict = currentVersion !== downloaded;
    changes.push({
      requirementId: requirement.id,
      code: requirement.code,
      title: requirement.title,
      kind: conflict ? 'conflict' : 'change',
      version: currentVersion,
      answer,
      differences: found,
      ...(conflict && current
        ? {
            changedBy: current.updatedBy?.displayName ?? 'another user',
            changedAt: current.updatedAt.toISOString(),
          }
        : {}),
    });
  }
  return { ok: true, plan: { returnId: row.id, fileName: file.fileName, changes, unchangedCount } };
}

class ChangedSincePreview extends Error {}

export type ApplyOutcome =
  { kind: 'applied'; saved: number; kept: number } | { kind: 'changed-since-preview' };

/**
 * Saves the previewed changes in one transaction: each conflict as the user chose ("workbook": take
 * the workbook's answer over the app's one the preview showed; "app": keep it). Any answer changed
 * since the preview rolls the whole upload back.
 */
export async function applyWorkbookPlan(
  { prisma, caches }: DataDeps,
  user: CurrentUser,
  plan: WorkbookPlan,
  choices: ReadonlyMap<string, 'app' | 'workbook'>,
  now: Date,
): Promise<ApplyOutcome> {
  const row = await uploadTarget({ prisma }, user, plan.returnId);
  const { requirements } = await versionContent(caches.versions, prisma, row.frameworkVersionId);
  const byId = new Map(requirements.map((requirement) => [requirement.id, requirement]));
  const chosen = plan.changes.filter(
    (change) => change.kind === 'change' || choices.get(change.requirementId) === 'workbook',
  );
  const inputs = chosen.map((change) => {
    const requirement = byId.get(change.requirementId);
    if (!requirement) throw new NotFound();
    const input: AnswerInput = { ...change.answer, version: change.version };
    checkAnswerInput(requirement, input);
    return { requirement, input };
  });
  try {
    await prisma.$transaction(async (tx) => {
      const status = await lockReturn(tx, row.id);
      if (!status) throw new NotFound();
      assertEditable(status);
      for (const { requirement, input } of inputs) {
        const outcome = await saveAnswerIn(tx, user, row.id, requirement, status, input, now);
        if (outcome.kind === 'conflict') throw new ChangedSincePreview();
      }
      await recordAudit(tx, {
        actorId: user.id,
        action: 'return.workbook_uploaded',
        entityType: 'return',
        entityId: row.id,
        returnId: row.id,
        after: {
          answersSaved: inputs.length,
          appAnswersKept: plan.changes.length - chosen.length,
          ...(canEditForProvider(user, row.providerId) ? {} : { onBehalfOf: row.provider.name }),
        },
      });
    });
  } catch (error) {
    if (error instanceof ChangedSincePreview) return { kind: 'changed-since-preview' };
    throw error;
  }
  return { kind: 'applied', saved: inputs.length, kept: plan.changes.length - chosen.length };
}
