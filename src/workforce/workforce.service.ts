import { recordAudit } from '../audit/audit.js';
import {
  assertCanEditForProvider,
  assertCanSeeProvider,
  assertCanSubmitForProvider,
  assertCommissionerEditor,
  isCommissionerEditor,
  isLeadOf,
} from '../auth/access.js';
import type { CurrentUser } from '../auth/current-user.js';
import type { AppDeps, DataDeps } from '../deps.js';
import { Conflict, Forbidden, NotFound, ValidationFailed } from '../errors.js';
import type { Prisma } from '../db/prisma.js';
import { AWAITING_PROVIDER } from '../returns/progress.js';
import { snapshotDigest, type JsonValue } from '../returns/snapshot.js';
import { workforceDue, type WorkforceDue } from './due.js';
import { calculate, entriesOf, type Entry, type Inputs, type Result } from './entry.js';
import type { WorkforceStandard } from './indicator-file.schema.js';
import { workforceStandard, type WorkforceCatalogue } from './indicator-files.js';
import {
  createSubmission,
  createWorkforceReturn,
  decideSubmission,
  findProviderName,
  findWorkforceReturn,
  lockWorkforceReturn,
  providerWorkforceReturns,
  setStatus,
  upsertAnswer,
  workforceReturnExists,
  type WorkforceReturnRow,
} from './queries.js';

// WRES and WDES returns: the provider's people enter each indicator's inputs, a lead submits (the
// inputs and what they give frozen with a SHA-256), and the commissioner's editors accept the
// submission or return it with a reason. The same statuses and the same access rules as AIS and EDS
// returns: a provider's people see only their own provider's returns (others are "not found").

export type EntryState =
  { entry: Entry; complete: false } | { entry: Entry; complete: true; inputs: Inputs; result: Result };

export interface WorkforceReturnView {
  row: WorkforceReturnRow;
  standard: WorkforceStandard;
  entries: EntryState[];
  /** When it is due, from its standard's obligation file and the provider's recorded facts. */
  due: WorkforceDue;
  editable: boolean;
  canSubmit: boolean;
  canReview: boolean;
}

function standardOf(
  catalogue: WorkforceCatalogue,
  row: { standardCode: string; standardVersion: string },
): WorkforceStandard {
  const standard = workforceStandard(catalogue, row.standardCode, row.standardVersion);
  // A return names a standard file of the release; a missing one is a broken release, not bad input.
  if (!standard) throw new Error(`No workforce standard ${row.standardCode} ${row.standardVersion}`);
  return standard;
}

function inputsOf(value: Prisma.JsonValue): Inputs {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return {};
  const inputs: Record<string, number | string> = {};
  for (const [name, item] of Object.entries(value)) {
    if (typeof item === 'number' || typeof item === 'string') inputs[name] = item;
  }
  return inputs;
}

/** Each entry of the return with its inputs and what they give (complete) or not entered yet. */
export function entryStates(
  standard: WorkforceStandard,
  row: Pick<WorkforceReturnRow, 'answers'>,
): EntryState[] {
  return entriesOf(standard).map((entry) => {
    const answer = row.answers.find((item) => item.indicatorCode === entry.code);
    if (!answer) return { entry, complete: false };
    const inputs = inputsOf(answer.inputs);
    const outcome = calculate(standard, entry, inputs);
    // Stored inputs passed these checks when saved; a standard file tightened since shows them as to do.
    return outcome.ok
      ? { entry, complete: true, inputs, result: outcome.result }
      : { entry, complete: false };
  });
}

function view(deps: DataDeps, user: CurrentUser, row: WorkforceReturnRow): WorkforceReturnView {
  const standard = standardOf(deps.caches.workforce, row);
  const entries = entryStates(standard, row);
  const editable = AWAITING_PROVIDER.includes(row.status);
  return {
    row,
    standard,
    entries,
    due: workforceDue(deps.caches.obligations, standard, row.provider, row.year),
    editable: editable && canEdit(user, row.providerId),
    canSubmit: editable && isLeadOf(user, row.providerId),
    canReview: row.status === 'submitted' && isCommissionerEditor(user),
  };
}

function canEdit(user: CurrentUser, providerId: string): boolean {
  return user.role === 'provider_lead' && user.providerIds.includes(providerId);
}

/** Changing an entry: the provider's own people, while the provider owes the return. */
export function assertCanChange(
  user: CurrentUser,
  row: Pick<WorkforceReturnRow, 'providerId' | 'status'>,
): void {
  assertCanEditForProvider(user, row.providerId);
  if (!AWAITING_PROVIDER.includes(row.status))
    throw new Conflict('This return has been submitted: it cannot be changed unless it is returned');
}

/** Accepting or returning: the commissioner's editors, once the return is submitted. */
export function assertCanDecide(user: CurrentUser, row: Pick<WorkforceReturnRow, 'status'>): void {
  assertCommissionerEditor(user);
  if (row.status !== 'submitted')
    throw new Conflict('Only a submitted return waiting for review can be accepted or returned');
}

/** A return anyone who may see its provider may read; another provider's people: not found. */
export async function workforceReturn(deps: AppDeps, user: CurrentUser, returnId: string) {
  const row = await findWorkforceReturn(deps.prisma, returnId);
  if (!row) throw new NotFound();
  assertCanSeeProvider(user, row.providerId);
  return view(deps, user, row);
}

/** One entry of a return, by its code in the URL. */
export function entryFrom(page: WorkforceReturnView, code: string | string[] | undefined): EntryState {
  const found = page.entries.find((state) => state.entry.code === code);
  if (!found) throw new NotFound();
  return found;
}

/** A provider's WRES and WDES returns (its people and staff), and whether the user may start one. */
export async function providerWorkforce(deps: AppDeps, user: CurrentUser, providerId: string) {
  assertCanSeeProvider(user, providerId);
  const provider = await findProviderName(deps.prisma, providerId);
  if (!provider) throw new NotFound();
  const rows = await providerWorkforceReturns(deps.prisma, providerId);
  const returns = rows.map((row) => ({
    ...row,
    due: workforceDue(
      deps.caches.obligations,
      standardOf(deps.caches.workforce, row),
      row.provider,
      row.year,
    ),
  }));
  return { provider, returns, canStart: canStart(user, providerId) };
}

function canStart(user: CurrentUser, providerId: string): boolean {
  return isCommissionerEditor(user) || isLeadOf(user, providerId);
}

/** Starts a return for the year's data: the provider's leads, or the commissioner's editors. */
export async function startWorkforceReturn(
  deps: AppDeps,
  user: CurrentUser,
  providerId: string,
  standardCode: 'WRES' | 'WDES',
  year: number,
): Promise<string> {
  assertCanSeeProvider(user, providerId);
  if (!canStart(user, providerId))
    throw new Forbidden('Only the provider’s leads or the integrated care board can start a return');
  const standard = workforceStandard(deps.caches.workforce, standardCode);
  if (!standard) throw new NotFound();
  return deps.prisma.$transaction(async (tx) => {
    const provider = await findProviderName(tx, providerId);
    if (!provider) throw new NotFound();
    if (await workforceReturnExists(tx, providerId, standardCode, year)) {
      throw new ValidationFailed({
        year: `There is already a ${standardCode} return for ${year} data: open it from the list below`,
      });
    }
    const created = await createWorkforceReturn(tx, {
      providerId,
      standardCode,
      standardVersion: standard.version,
      year,
      createdById: user.id,
    });
    await recordAudit(tx, {
      actorId: user.id,
      action: 'workforce_return.started',
      entityType: 'workforce_return',
      entityId: created.id,
      after: { providerId, standard: `${standardCode} ${standard.version}`, year },
    });
    return created.id;
  });
}

/** Saves one entry's checked inputs; the return is in progress from then until it is submitted. */
export async function saveEntry(
  deps: AppDeps,
  user: CurrentUser,
  returnId: string,
  code: string,
  inputs: Inputs,
): Promise<void> {
  await deps.prisma.$transaction(async (tx) => {
    await lockWorkforceReturn(tx, returnId);
    const row = await findWorkforceReturn(tx, returnId);
    if (!row) throw new NotFound();
    assertCanChange(user, row);
    const before = row.answers.find((answer) => answer.indicatorCode === code)?.inputs ?? null;
    await upsertAnswer(tx, {
      returnId,
      indicatorCode: code,
      inputs: { ...inputs },
      updatedById: user.id,
      updatedAt: deps.clock(),
    });
    if (row.status !== 'in_progress') await setStatus(tx, returnId, 'in_progress');
    await recordAudit(tx, {
      actorId: user.id,
      action: 'workforce_return.answered',
      entityType: 'workforce_return',
      entityId: returnId,
      ...(before !== null && { before: { indicator: code, inputs: before as Prisma.InputJsonValue } }),
      after: { indicator: code, inputs: { ...inputs } },
    });
  });
}

/** What a submission freezes: each entry's inputs and what they gave, as shown on check answers. */
export function workforceSnapshot(
  standard: WorkforceStandard,
  year: number,
  odsCode: string,
  entries: readonly EntryState[],
): JsonValue {
  return {
    standard: `${standard.code} ${standard.version}`,
    year,
    provider: odsCode,
    entries: entries.map((state) =>
      state.complete
        ? {
            code: state.entry.code,
            inputs: { ...state.inputs },
            shown: state.result.shown,
            formula: state.result.formula ?? null,
            flags: state.result.flags.map((flag) => flag.text),
          }
        : { code: state.entry.code, inputs: null },
    ),
  };
}

/** A lead submits a complete return; its inputs and results are frozen with their SHA-256. */
export async function submitWorkforceReturn(
  deps: AppDeps,
  user: CurrentUser,
  returnId: string,
): Promise<void> {
  await deps.prisma.$transaction(async (tx) => {
    await lockWorkforceReturn(tx, returnId);
    const row = await findWorkforceReturn(tx, returnId);
    if (!row) throw new NotFound();
    assertCanSubmitForProvider(user, row.providerId);
    if (!AWAITING_PROVIDER.includes(row.status)) throw new Conflict('This return has already been submitted');
    const page = view(deps, user, row);
    const missing = page.entries.filter((state) => !state.complete);
    if (missing.length > 0) {
      throw new ValidationFailed({
        [`entry-${missing[0]?.entry.code ?? ''}`]: `Enter ${missing.map((state) => entryName(page.standard, state.entry)).join(', ')} before you submit`,
      });
    }
    const snapshot = workforceSnapshot(page.standard, row.year, row.provider.odsCode, page.entries);
    const now = deps.clock();
    const sequence = (row.submissions[0]?.sequence ?? 0) + 1;
    const submission = await createSubmission(tx, {
      returnId,
      sequence,
      submittedById: user.id,
      submittedAt: now,
      snapshot: snapshot as Prisma.InputJsonValue,
      snapshotSha256: snapshotDigest(snapshot),
    });
    await setStatus(tx, returnId, 'submitted', { submittedAt: now });
    await recordAudit(tx, {
      actorId: user.id,
      action: 'workforce_return.submitted',
      entityType: 'workforce_return',
      entityId: returnId,
      before: { status: row.status },
      after: { status: 'submitted', submissionId: submission.id, sequence },
    });
  });
}

/** "WRES indicator 2", "WDES metric 4a", "the declaration rate". */
export function entryName(standard: WorkforceStandard, entry: Entry): string {
  if (entry.kind === 'declaration') return 'the declaration rate';
  return `${standard.code} ${standard.code === 'WDES' ? 'metric' : 'indicator'} ${entry.code}`;
}

/** The commissioner's editors accept a submitted return, or return it with a reason. */
export async function decideWorkforceReturn(
  deps: AppDeps,
  user: CurrentUser,
  returnId: string,
  decision: { decision: 'accepted' } | { decision: 'returned'; reason: string },
): Promise<void> {
  assertCommissionerEditor(user);
  await deps.prisma.$transaction(async (tx) => {
    await lockWorkforceReturn(tx, returnId);
    const row = await findWorkforceReturn(tx, returnId);
    if (!row) throw new NotFound();
    assertCanDecide(user, row);
    const latest = row.submissions[0];
    if (latest?.decision !== null)
      throw new Conflict('Only a submitted return waiting for review can be accepted or returned');
    const now = deps.clock();
    const reason = decision.decision === 'returned' ? decision.reason : '';
    await decideSubmission(tx, latest.id, {
      decision: decision.decision,
      reason,
      reviewerId: user.id,
      decidedAt: now,
    });
    await setStatus(tx, returnId, decision.decision, { decidedAt: now });
    await recordAudit(tx, {
      actorId: user.id,
      action: `workforce_return.${decision.decision}`,
      entityType: 'workforce_return',
      entityId: returnId,
      before: { status: row.status },
      after: { status: decision.decision, submissionId: latest.id, ...(reason && { reason }) },
    });
  });
}
