import { recordAudit } from '../audit/audit.js';
import { assertCommissionerEditor } from '../auth/access.js';
import type { CurrentUser } from '../auth/current-user.js';
import type { DbClient } from '../db/prisma.js';
import type { AppDeps, DataDeps } from '../deps.js';
import { NotFound } from '../errors.js';
import { formatDate, isoDate, ukToday } from '../format.js';
import { standardName } from '../frameworks/names.js';
import { resultLines } from '../frameworks/result-lines.js';
import { computeResults } from '../frameworks/results.js';
import { findResultsBasis } from '../frameworks/results.queries.js';
import { versionContent } from '../frameworks/version-content.js';
import { versionMappings } from '../frameworks/version-mappings.js';
import { importFileKind } from '../imports/import-file.js';
import { lockPeriod } from '../periods/queries.js';
import {
  createImportedReturn,
  findHistoryProvider,
  findProviderReturnKeys,
  findTokenReturn,
  listPeriodStandards,
  type HistoryProvider,
} from './history-import.queries.js';
import { createSubmission, findSnapshotSource } from './queries.js';
import { buildReturnSnapshot, snapshotDigest } from './snapshot.js';
import { NOT_APPLICABLE_LABEL, buildReturnWorkbook } from './workbook-file.js';
import { readReturnWorkbook } from './workbook-read.js';
import { verifyWorkbookToken } from './workbook-token.js';
import { checkWorkbookRows, type PlannedAnswer } from './workbook.service.js';

// Issue 15: a past period's answers loaded from a spreadsheet as history, so trends start with last
// year's spreadsheets. Staff who edit the register (administrators, contract managers) upload a
// workbook in the return workbook's layout (the blank template from the import page, or one filled
// in offline) for a provider, a period that has ended and that period's version of a standard. It
// is checked row by row as a live upload is, previewed, and applied in one audited transaction as a
// new return, accepted (so it counts in trends and the matrix) and recorded as imported (who, when,
// which file). It never replaces a return: a provider, period and standard with one is refused.

/** A period that has ended and one of its standards: what a past return can be imported for. */
export interface HistoryTarget {
  /** "<period id>:<framework version id>", the form's value. */
  value: string;
  periodId: string;
  periodLabel: string;
  periodStart: Date;
  periodEnd: Date;
  frameworkVersionId: string;
  frameworkId: string;
  standardName: string;
  dueDate: Date;
  /** The provider's return for it already, if any (then nothing can be imported for it). */
  existing: { returnId: string; imported: boolean } | undefined;
}

export const targetValue = (periodId: string, frameworkVersionId: string) =>
  `${periodId}:${frameworkVersionId}`;

async function staffProvider(db: DbClient, user: CurrentUser, providerId: string) {
  assertCommissionerEditor(user);
  const provider = /^[0-9a-f-]{36}$/i.test(providerId) ? await findHistoryProvider(db, providerId) : null;
  if (!provider) throw new NotFound();
  return provider;
}

/** Every standard of every period that ended before today, newest period first. */
async function pastTargets(
  db: DbClient,
  providerId: string,
  now: Date,
): Promise<{ past: HistoryTarget[]; notEnded: Set<string> }> {
  const today = ukToday(now);
  const [periods, returns] = await Promise.all([
    listPeriodStandards(db),
    findProviderReturnKeys(db, providerId),
  ]);
  const existing = new Map(
    returns.map((row) => [
      targetValue(row.periodId, row.frameworkVersionId),
      { returnId: row.id, imported: row.imported !== null },
    ]),
  );
  const past: HistoryTarget[] = [];
  const notEnded = new Set<string>();
  for (const period of periods) {
    for (const standard of period.standards) {
      const value = targetValue(period.id, standard.frameworkVersionId);
      if (period.endDate >= today) {
        notEnded.add(value);
        continue;
      }
      past.push({
        value,
        periodId: period.id,
        periodLabel: period.label,
        periodStart: period.startDate,
        periodEnd: period.endDate,
        frameworkVersionId: standard.frameworkVersionId,
        frameworkId: standard.frameworkId,
        standardName: standardName(standard.frameworkVersion.framework.name, standard.frameworkVersion.code),
        dueDate: standard.dueDate,
        existing: existing.get(value),
      });
    }
  }
  return { past, notEnded };
}

export interface HistoryImportPage {
  provider: HistoryProvider;
  /** Past periods' standards with no return for this provider yet. */
  open: HistoryTarget[];
  /** Those with one (live or imported). */
  taken: HistoryTarget[];
}

export async function historyImportPage(
  { prisma }: Pick<AppDeps, 'prisma'>,
  user: CurrentUser,
  providerId: string,
  now: Date,
): Promise<HistoryImportPage> {
  const provider = await staffProvider(prisma, user, providerId);
  const { past } = await pastTargets(prisma, provider.id, now);
  return {
    provider,
    open: past.filter((target) => !target.existing),
    taken: past.filter((target) => target.existing),
  };
}

/** The blank workbook (no answers, no token) for one past period's standard. */
export async function historyTemplate(
  { prisma, caches }: Pick<AppDeps, 'prisma' | 'caches'>,
  user: CurrentUser,
  providerId: string,
  value: string,
  now: Date,
): Promise<{ fileName: string; content: Buffer } | undefined> {
  const provider = await staffProvider(prisma, user, providerId);
  const target = (await pastTargets(prisma, provider.id, now)).past.find((item) => item.value === value);
  if (!target) return undefined;
  const { requirements } = await versionContent(caches.versions, prisma, target.frameworkVersionId);
  const content = await buildReturnWorkbook({
    providerName: provider.name,
    standardName: target.standardName,
    periodLabel: target.periodLabel,
    dueDate: formatDate(target.dueDate),
    requirements,
    answers: new Map(),
  });
  return {
    fileName:
      `${provider.name} ${target.standardName} return ${target.periodLabel} (past answers).xlsx`.replace(
        /[/\\]/g,
        '-',
      ),
    content,
  };
}

/** An uploaded past return waiting in the session for its preview to be confirmed. */
export interface HistoryPlan {
  providerId: string;
  periodId: string;
  frameworkVersionId: string;
  fileName: string;
  fileSha256: string;
  answers: { requirementId: string; answer: PlannedAnswer }[];
}

export type HistoryUploadOutcome =
  { ok: true; plan: HistoryPlan } | { ok: false; field: 'target' | 'file'; errors: string[] };

const refuse = (error: string, field: 'target' | 'file' = 'file'): HistoryUploadOutcome => ({
  ok: false,
  field,
  errors: [error],
});

const NO_CONTRACT =
  'This provider has no contract, so a return cannot be recorded for it: add its contract first';

/** Why a return cannot be imported for this target, or undefined if it can. */
function targetRefusal(target: HistoryTarget | undefined, notEnded: boolean): string | undefined {
  if (notEnded)
    return 'That period has not ended yet: its returns are filled in online. Only a period that has ended can be loaded from a spreadsheet';
  if (!target) return 'Select the period and standard the spreadsheet’s answers are for';
  if (target.existing)
    return target.existing.imported
      ? `This provider’s ${target.standardName} return for ${target.periodLabel} has already been imported from a spreadsheet: nothing was saved`
      : `This provider already has its ${target.standardName} return for ${target.periodLabel} in this service, and an import never replaces one: nothing was saved`;
  return undefined;
}

/** The contract the imported return belongs to: one reporting on the standard, in force in the period if any. */
function contractFor(provider: HistoryProvider, target: HistoryTarget) {
  const rank = (contract: HistoryProvider['contracts'][number]) =>
    (contract.standards.some((standard) => standard.frameworkId === target.frameworkId) ? 2 : 0) +
    (contract.startDate <= target.periodEnd && (!contract.endDate || contract.endDate >= target.periodStart)
      ? 1
      : 0);
  return [...provider.contracts].sort((a, b) => rank(b) - rank(a))[0];
}

export async function planHistoryUpload(
  { prisma, caches, sessionSecret, config }: Pick<AppDeps, 'prisma' | 'caches' | 'sessionSecret' | 'config'>,
  user: CurrentUser,
  providerId: string,
  value: string,
  file: { fileName: string; content: Buffer; sha256: string },
  now: Date,
): Promise<HistoryUploadOutcome> {
  const provider = await staffProvider(prisma, user, providerId);
  const { past, notEnded } = await pastTargets(prisma, provider.id, now);
  const target = past.find((item) => item.value === value);
  const refusal = targetRefusal(target, notEnded.has(value));
  if (refusal || !target) return refuse(refusal ?? '', 'target');
  if (provider.contracts.length === 0) return refuse(NO_CONTRACT, 'target');
  if (importFileKind(file.fileName, file.content) !== 'xlsx')
    return refuse('The file must be an Excel workbook (.xlsx) in the layout of the template on this page');
  const read = await readReturnWorkbook(file.content, config.imports.maxRows);
  if (!read.ok) return refuse(read.error);
  if (read.token) {
    // A workbook downloaded from a live return: never history (its answers belong online).
    const token = verifyWorkbookToken(sessionSecret, read.token);
    if (!token)
      return refuse(
        'This workbook’s hidden sheet has been changed, so it cannot be trusted: use the template on this page',
      );
    if (token.providerId !== provider.id)
      return refuse(`This workbook was downloaded from another provider’s return, not ${provider.name}’s`);
    const live = await findTokenReturn(prisma, token.returnId);
    return refuse(
      `This workbook was downloaded from ${live ? `the ${standardName(live.frameworkVersion.framework.name, live.frameworkVersion.code)} return for ${live.period.label}` : 'a return'} in this service: upload it on that return’s page. Past answers are loaded from the template on this page`,
    );
  }
  const { requirements } = await versionContent(caches.versions, prisma, target.frameworkVersionId);
  const checked = checkWorkbookRows(requirements, read.rows);
  if (!checked.ok) {
    // None of its codes is the standard's: it is another standard's workbook, said once, not per row.
    const codes = new Set(requirements.map((requirement) => requirement.code.toLowerCase()));
    if (read.rows.length > 0 && read.rows.every((row) => !codes.has(row.code.toLowerCase())))
      return refuse(
        `This workbook is not for ${target.standardName}: none of its codes is one of that standard’s requirements. Download the template for ${target.standardName} on this page`,
      );
    return { ok: false, field: 'file', errors: checked.errors };
  }
  const answered = checked.answers.filter(
    ({ answer }) => answer.ratingCode !== null || answer.notApplicable || answer.narrative !== '',
  );
  if (answered.length === 0)
    return refuse('The workbook has no answers: fill in the ratings and narratives, then upload it again');
  return {
    ok: true,
    plan: {
      providerId: provider.id,
      periodId: target.periodId,
      frameworkVersionId: target.frameworkVersionId,
      fileName: file.fileName,
      fileSha256: file.sha256,
      answers: checked.answers.map(({ requirement, answer }) => ({ requirementId: requirement.id, answer })),
    },
  };
}

export interface HistoryPreview {
  provider: HistoryProvider;
  target: HistoryTarget;
  fileName: string;
  /** Every requirement in task-list order, with the workbook's answer or "Not answered". */
  rows: { code: string; title: string; rating: string; narrative: string }[];
  /** The return's result as the matrix and trends will show it (the shared results functions). */
  resultLines: string[];
  answeredCount: number;
}

export async function historyPreview(
  { prisma, caches }: DataDeps,
  user: CurrentUser,
  plan: HistoryPlan,
  now: Date,
): Promise<HistoryPreview | undefined> {
  const provider = await staffProvider(prisma, user, plan.providerId);
  const target = (await pastTargets(prisma, provider.id, now)).past.find(
    (item) => item.value === targetValue(plan.periodId, plan.frameworkVersionId),
  );
  if (!target) return undefined;
  const { requirements } = await versionContent(caches.versions, prisma, plan.frameworkVersionId);
  const byRequirement = new Map(plan.answers.map((item) => [item.requirementId, item.answer]));
  const basis = await findResultsBasis(prisma, plan.frameworkVersionId);
  const rated = requirements.map((requirement) => {
    const answer = byRequirement.get(requirement.id);
    return {
      groupCode: requirement.group.code,
      requirementCode: requirement.code,
      requirementTitle: requirement.title,
      ratingLevelCode: answer?.ratingCode ?? null,
      notApplicable: answer?.notApplicable ?? false,
    };
  });
  return {
    provider,
    target,
    fileName: plan.fileName,
    rows: requirements.map((requirement) => {
      const answer = byRequirement.get(requirement.id);
      const rating = answer?.notApplicable
        ? `${NOT_APPLICABLE_LABEL}: ${answer.notApplicableReason}`
        : (requirement.ratingScale.levels.find((level) => level.code === answer?.ratingCode)?.label ??
          'Not rated');
      return {
        code: requirement.code,
        title: requirement.title,
        rating,
        narrative: answer && answer.narrative !== '' ? answer.narrative : 'None',
      };
    }),
    resultLines: basis ? resultLines(computeResults(rated, basis), basis) : [],
    answeredCount: plan.answers.filter(
      ({ answer }) => answer.ratingCode !== null || answer.notApplicable || answer.narrative !== '',
    ).length,
  };
}

export type HistoryApplyOutcome =
  { kind: 'imported'; returnId: string } | { kind: 'refused'; reason: string };

/**
 * Creates the past return in one transaction, under the period's lock (so an import and the period's
 * opening, or two imports, never make two returns): accepted, a response per requirement, its
 * snapshot as its one submission (what trends read), the record of the import and one audit event.
 */
export async function applyHistoryPlan(
  { prisma, caches }: DataDeps,
  user: CurrentUser,
  plan: HistoryPlan,
  now: Date,
): Promise<HistoryApplyOutcome> {
  const provider = await staffProvider(prisma, user, plan.providerId);
  const { requirements } = await versionContent(caches.versions, prisma, plan.frameworkVersionId);
  const byRequirement = new Map(plan.answers.map((item) => [item.requirementId, item.answer]));
  const mappings = await versionMappings(caches.versionMappings);
  return prisma.$transaction(async (tx) => {
    if (!(await lockPeriod(tx, plan.periodId))) throw new NotFound();
    const value = targetValue(plan.periodId, plan.frameworkVersionId);
    const { past, notEnded } = await pastTargets(tx, provider.id, now);
    const target = past.find((item) => item.value === value);
    const refusal = targetRefusal(target, notEnded.has(value));
    if (refusal || !target) return { kind: 'refused' as const, reason: refusal ?? '' };
    const contract = contractFor(provider, target);
    if (!contract) return { kind: 'refused' as const, reason: NO_CONTRACT };
    const created = await createImportedReturn(tx, {
      contractId: contract.id,
      providerId: provider.id,
      frameworkVersionId: plan.frameworkVersionId,
      periodId: plan.periodId,
      dueDate: target.dueDate,
      importedAt: now,
      importedById: user.id,
      fileName: plan.fileName,
      fileSha256: plan.fileSha256,
      responses: requirements.map((requirement) => {
        const answer = byRequirement.get(requirement.id);
        const level = requirement.ratingScale.levels.find((item) => item.code === answer?.ratingCode);
        return {
          requirementId: requirement.id,
          ratingLevelId: answer?.notApplicable ? null : (level?.id ?? null),
          narrative: answer?.narrative ?? '',
          notApplicable: answer?.notApplicable ?? false,
          notApplicableReason: answer?.notApplicable ? answer.notApplicableReason : '',
        };
      }),
    });
    const snapshot = buildReturnSnapshot(await findSnapshotSource(tx, created.id, mappings));
    const submission = await createSubmission(tx, {
      returnId: created.id,
      sequence: 1,
      submittedById: user.id,
      submittedAt: now,
      declaration: `Imported from a spreadsheet (${plan.fileName}) by ${user.displayName} as the ${target.standardName} return for ${target.periodLabel}.`,
      snapshot,
      snapshotSha256: snapshotDigest(snapshot),
    });
    await recordAudit(tx, {
      actorId: user.id,
      action: 'return.history_imported',
      entityType: 'return',
      entityId: created.id,
      returnId: created.id,
      after: {
        status: 'accepted',
        period: target.periodLabel,
        standard: target.standardName,
        dueDate: isoDate(target.dueDate),
        fileName: plan.fileName,
        fileSha256: plan.fileSha256,
        answers: plan.answers.length,
        snapshotSha256: submission.snapshotSha256,
      },
    });
    return { kind: 'imported' as const, returnId: created.id };
  });
}
