import { z } from 'zod';
import { SNAPSHOT_FORMAT, type ReturnSnapshot, type SnapshotResponse } from '../returns/snapshot.js';
import { formatDate } from '../format.js';
import { actionLine } from '../actions/actions.js';
import { ActionStatus } from '../generated/prisma/enums.js';

/** Reads a stored snapshot back (return_submissions.snapshot), refusing anything not in the known format. */
const snapshotResponseSchema = z.object({
  groupCode: z.string(),
  requirementCode: z.string(),
  requirementTitle: z.string(),
  ratingLevelCode: z.string().nullable(),
  ratingLevelLabel: z.string().nullable(),
  ratingScore: z.number().nullable(),
  narrative: z.string(),
  actionPlan: z.string().optional(),
  actionOwner: z.string().optional(),
  actionDueDate: z.string().nullable().optional(),
  actions: z
    .array(
      z.object({
        actionId: z.string(),
        description: z.string(),
        owner: z.string(),
        dueDate: z.string().nullable(),
        status: z.enum(ActionStatus),
      }),
    )
    .optional(),
  notApplicable: z.literal(true).optional(),
  notApplicableReason: z.string().optional(),
  serviceId: z.string().optional(),
  serviceName: z.string().optional(),
  evidence: z.array(z.object({ sha256: z.string(), fileName: z.string() })),
});

const snapshotSchema = z.object({
  format: z.literal(SNAPSHOT_FORMAT),
  returnId: z.string(),
  provider: z.object({ odsCode: z.string(), name: z.string() }),
  framework: z.object({ code: z.string(), versionCode: z.string(), versionName: z.string() }),
  period: z.string(),
  dueDate: z.string(),
  responses: z.array(snapshotResponseSchema),
  grading: z
    .object({
      firstDate: z.string(),
      lastDate: z.string().nullable(),
      groups: z.array(z.string()),
      howAgreed: z.string(),
      dissent: z.string(),
    })
    .optional(),
  services: z.array(z.object({ serviceId: z.string(), name: z.string(), whyChosen: z.string() })).optional(),
});

export function parseSnapshot(stored: unknown): ReturnSnapshot {
  const parsed = snapshotSchema.safeParse(stored);
  if (!parsed.success)
    throw new Error(`Stored snapshot is not in format ${SNAPSHOT_FORMAT}: ${parsed.error.message}`);
  return parsed.data;
}

/** One changed answer field, written for the reviewer: what it was and what it is now. */
export interface FieldChange {
  field: 'rating' | 'narrative' | 'actions';
  label: string;
  before: string;
  after: string;
}

export interface EvidenceItem {
  sha256: string;
  fileName: string;
}

export interface RequirementChanges {
  /** `new`: the requirement was not in the previous submission. */
  status: 'unchanged' | 'changed' | 'new';
  fields: FieldChange[];
  evidenceAdded: EvidenceItem[];
  evidenceRemoved: EvidenceItem[];
}

/** An answer's key in a snapshot: its requirement code, and its service when answered per service. */
export function answerKey(requirementCode: string, serviceId: string | null | undefined): string {
  return serviceId ? `${requirementCode} ${serviceId}` : requirementCode;
}

export interface ServiceMatches {
  /** The previous submission's service id for each service of the latest that was there before. */
  previousOf: Map<string, string>;
  /** Names of the services the latest submission assesses and the previous did not, and the reverse. */
  added: string[];
  removed: string[];
}

/**
 * Pairs the services of two submissions of a return (issue 14): a resubmission keeps the same service
 * rows, so the same id is the same service; otherwise (a service removed and added again) the same
 * name is.
 */
export function matchServices(previous: ReturnSnapshot, latest: ReturnSnapshot): ServiceMatches {
  const before = previous.services ?? [];
  const previousOf = new Map<string, string>();
  for (const service of latest.services ?? []) {
    const match =
      before.find((candidate) => candidate.serviceId === service.serviceId) ??
      before.find((candidate) => candidate.name === service.name);
    if (match) previousOf.set(service.serviceId, match.serviceId);
  }
  const matched = new Set(previousOf.values());
  return {
    previousOf,
    added: (latest.services ?? [])
      .filter((service) => !previousOf.has(service.serviceId))
      .map((service) => service.name),
    removed: before.filter((service) => !matched.has(service.serviceId)).map((service) => service.name),
  };
}

/**
 * What changed in each answer between two submissions of a return, keyed by `answerKey` of the
 * latest's answer: per requirement, and per service where answers are (its service matched by
 * `matchServices`; an answer from before services, with none, stands for every service). Evidence is
 * compared by content (SHA-256): the same file is the same evidence whatever it is called.
 */
export function diffSnapshots(
  previous: ReturnSnapshot,
  latest: ReturnSnapshot,
): Map<string, RequirementChanges> {
  const { previousOf } = matchServices(previous, latest);
  const before = new Map(
    previous.responses.map((response) => [answerKey(response.requirementCode, response.serviceId), response]),
  );
  const previousAnswer = (response: SnapshotResponse) => {
    if (!response.serviceId) return before.get(response.requirementCode);
    const previousService = previousOf.get(response.serviceId);
    return (
      (previousService ? before.get(answerKey(response.requirementCode, previousService)) : undefined) ??
      before.get(response.requirementCode)
    );
  };
  return new Map(
    latest.responses.map((response) => [
      answerKey(response.requirementCode, response.serviceId),
      diffResponse(previousAnswer(response), response),
    ]),
  );
}

export function diffResponse(
  previous: SnapshotResponse | undefined,
  latest: SnapshotResponse,
): RequirementChanges {
  if (!previous) return { status: 'new', fields: [], evidenceAdded: [], evidenceRemoved: [] };
  const fields: FieldChange[] = [];
  if (
    previous.ratingLevelCode !== latest.ratingLevelCode ||
    previous.notApplicable !== latest.notApplicable ||
    previous.notApplicableReason !== latest.notApplicableReason
  ) {
    fields.push({
      field: 'rating',
      label: 'Rating',
      before: ratingText(previous),
      after: ratingText(latest),
    });
  }
  if (previous.narrative !== latest.narrative) {
    fields.push({
      field: 'narrative',
      label: 'Narrative',
      before: previous.narrative,
      after: latest.narrative,
    });
  }
  const [actionsBefore, actionsAfter] = [previous, latest].map((response) =>
    snapshotActionLines(response).join('\n'),
  );
  if (actionsBefore !== actionsAfter) {
    fields.push({
      field: 'actions',
      label: 'Actions',
      before: actionsBefore ?? '',
      after: actionsAfter ?? '',
    });
  }
  const previousHashes = new Set(previous.evidence.map((item) => item.sha256));
  const latestHashes = new Set(latest.evidence.map((item) => item.sha256));
  const evidenceAdded = latest.evidence.filter((item) => !previousHashes.has(item.sha256));
  const evidenceRemoved = previous.evidence.filter((item) => !latestHashes.has(item.sha256));
  const changed = fields.length > 0 || evidenceAdded.length > 0 || evidenceRemoved.length > 0;
  return { status: changed ? 'changed' : 'unchanged', fields, evidenceAdded, evidenceRemoved };
}

/** A snapshot date (YYYY-MM-DD) as pages show it, or an empty string. */
export function displaySnapshotDate(value: string | null): string {
  if (value === null) return '';
  const date = new Date(`${value}T00:00:00.000Z`);
  return Number.isNaN(date.getTime()) ? value : formatDate(date);
}

/** A snapshot answer's rating as the reviewer reads it, "not applicable" with its reason. */
export function ratingText(response: SnapshotResponse): string {
  if (response.notApplicable) return `Not applicable: ${response.notApplicableReason ?? ''}`;
  return response.ratingLevelLabel ?? 'Not rated';
}

function snapshotDay(value: string | null | undefined): Date | null {
  if (!value) return null;
  const date = new Date(`${value}T00:00:00.000Z`);
  return Number.isNaN(date.getTime()) ? null : date;
}

/**
 * A snapshot answer's actions, a line each: the actions as submitted, or in a snapshot from before
 * actions were records (issue 14), the answer's action text, owner and date as one line.
 */
export function snapshotActionLines(response: SnapshotResponse): string[] {
  if (response.actions) {
    return response.actions.map((action) => actionLine({ ...action, dueDate: snapshotDay(action.dueDate) }));
  }
  const plan = response.actionPlan ?? '';
  const owner = response.actionOwner ?? '';
  const dueDate = snapshotDay(response.actionDueDate);
  if (plan.trim() === '' && owner.trim() === '' && !dueDate) return [];
  return [actionLine({ description: plan.trim() === '' ? 'Action' : plan, owner, dueDate })];
}
