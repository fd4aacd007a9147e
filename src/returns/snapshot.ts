/* eslint-disable @typescript-eslint/consistent-type-definitions -- the snapshot is stored as JSON:
   type aliases (unlike interfaces) are assignable to Prisma's JSON input types. */
import type { ActionStatus } from '../generated/prisma/enums.js';
import { sha256 } from '../hash.js';

/**
 * The frozen copy of a return taken when it is submitted. It is stored in
 * `return_submissions.snapshot` with `snapshotDigest(snapshot)` beside it, so later edits to the
 * live responses never rewrite what was submitted and decided.
 */

export type JsonValue =
  string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue | undefined };

/** What a snapshot is built from: the return and its responses as they are in the database. */
export interface SnapshotSource {
  returnId: string;
  provider: { odsCode: string; name: string };
  framework: { code: string; versionCode: string; versionName: string };
  period: { label: string };
  dueDate: Date;
  responses: readonly SnapshotResponseSource[];
  /** The services the return assesses in its per-service group (issue 14: EDS 2022 Domain 1). */
  services?: readonly { id: string; name: string; whyChosen: string; position: number }[];
  /** Who graded the return (issue 14: EDS), when recorded. */
  grading?: {
    firstDate: Date;
    lastDate: Date | null;
    groups: readonly string[];
    howAgreed: string;
    dissent: string;
  } | null;
}

export interface SnapshotResponseSource {
  /** Positions order the requirements: a requirement's position counts within its group. */
  requirement: { code: string; title: string; position: number; group: { code: string; position: number } };
  ratingLevel: { code: string; label: string; score: number } | null;
  narrative: string;
  /** The actions the requirement's page showed (issue 14): linked here, or open and carried. */
  actions: readonly SnapshotActionSource[];
  notApplicable: boolean;
  notApplicableReason: string;
  evidence: readonly { sha256: string; fileName: string }[];
  /** The service answered for, on a per-service requirement's answer. */
  serviceId?: string | null;
}

export interface SnapshotActionSource {
  id: string;
  description: string;
  owner: string;
  dueDate: Date | null;
  status: ActionStatus;
}

export const SNAPSHOT_FORMAT = 1;

export type SnapshotAction = {
  actionId: string;
  description: string;
  owner: string;
  /** YYYY-MM-DD, or null. */
  dueDate: string | null;
  status: ActionStatus;
};

export type SnapshotResponse = {
  groupCode: string;
  requirementCode: string;
  requirementTitle: string;
  ratingLevelCode: string | null;
  ratingLevelLabel: string | null;
  ratingScore: number | null;
  narrative: string;
  /**
   * Snapshots taken before actions were records of their own (issue 14) hold the answer's action
   * text, owner and date (YYYY-MM-DD or null) instead of `actions`.
   */
  actionPlan?: string;
  actionOwner?: string;
  actionDueDate?: string | null;
  /** The actions shown with the answer as it was submitted; present only when there were any. */
  actions?: SnapshotAction[];
  /** Present only on a "not applicable" answer (so earlier snapshots keep their digests). */
  notApplicable?: true;
  notApplicableReason?: string;
  /** Present only on an answer given per service (issue 14: EDS 2022 Domain 1). */
  serviceId?: string;
  serviceName?: string;
  evidence: { sha256: string; fileName: string }[];
};

export type SnapshotService = { serviceId: string; name: string; whyChosen: string };

export type ReturnSnapshot = {
  format: typeof SNAPSHOT_FORMAT;
  returnId: string;
  provider: { odsCode: string; name: string };
  framework: { code: string; versionCode: string; versionName: string };
  period: string;
  /** YYYY-MM-DD. */
  dueDate: string;
  responses: SnapshotResponse[];
  /** Present only when the return recorded who graded it (so earlier snapshots keep their digests). */
  grading?: SnapshotGrading;
  /** The services assessed per service, in order; present only when the return names any. */
  services?: SnapshotService[];
};

export type SnapshotGrading = {
  /** YYYY-MM-DD. */
  firstDate: string;
  /** YYYY-MM-DD, or null for a single day. */
  lastDate: string | null;
  /** Group codes (data/grading/groups.json). */
  groups: string[];
  howAgreed: string;
  dissent: string;
};

/** Builds the snapshot: responses in requirement order, evidence sorted, dates as YYYY-MM-DD. */
export function buildReturnSnapshot(source: SnapshotSource): ReturnSnapshot {
  const services = source.services ?? [];
  const serviceOrder = new Map(services.map((service, index) => [service.id, index]));
  const serviceNames = new Map(services.map((service) => [service.id, service.name]));
  // A per-service group's answers come service by service (1A-1D of the first, then the next...).
  const order = (response: SnapshotResponseSource) =>
    response.serviceId ? (serviceOrder.get(response.serviceId) ?? services.length) : -1;
  const responses = [...source.responses]
    .sort(
      (a, b) =>
        a.requirement.group.position - b.requirement.group.position ||
        order(a) - order(b) ||
        a.requirement.position - b.requirement.position ||
        compareStrings(a.requirement.code, b.requirement.code),
    )
    .map((response): SnapshotResponse => ({
      groupCode: response.requirement.group.code,
      requirementCode: response.requirement.code,
      requirementTitle: response.requirement.title,
      ratingLevelCode: response.ratingLevel?.code ?? null,
      ratingLevelLabel: response.ratingLevel?.label ?? null,
      ratingScore: response.ratingLevel?.score ?? null,
      narrative: response.narrative,
      ...(response.actions.length > 0
        ? {
            actions: response.actions.map((action) => ({
              actionId: action.id,
              description: action.description,
              owner: action.owner,
              dueDate: action.dueDate ? isoDate(action.dueDate) : null,
              status: action.status,
            })),
          }
        : {}),
      ...(response.notApplicable
        ? { notApplicable: true as const, notApplicableReason: response.notApplicableReason }
        : {}),
      ...(response.serviceId
        ? { serviceId: response.serviceId, serviceName: serviceNames.get(response.serviceId) ?? '' }
        : {}),
      evidence: response.evidence
        .map((item) => ({ sha256: item.sha256, fileName: item.fileName }))
        .sort((a, b) => compareStrings(a.sha256, b.sha256) || compareStrings(a.fileName, b.fileName)),
    }));
  return {
    format: SNAPSHOT_FORMAT,
    returnId: source.returnId,
    provider: { odsCode: source.provider.odsCode, name: source.provider.name },
    framework: { ...source.framework },
    period: source.period.label,
    dueDate: isoDate(source.dueDate),
    responses,
    ...(source.grading
      ? {
          grading: {
            firstDate: isoDate(source.grading.firstDate),
            lastDate: source.grading.lastDate ? isoDate(source.grading.lastDate) : null,
            groups: [...source.grading.groups],
            howAgreed: source.grading.howAgreed,
            dissent: source.grading.dissent,
          },
        }
      : {}),
    ...(services.length > 0
      ? {
          services: services.map((service) => ({
            serviceId: service.id,
            name: service.name,
            whyChosen: service.whyChosen,
          })),
        }
      : {}),
  };
}

/** SHA-256 (hex) of the canonical JSON of a snapshot, as stored or as read back from the database. */
export function snapshotDigest(snapshot: ReturnSnapshot | JsonValue): string {
  return sha256(canonicalJson(snapshot));
}

/**
 * JSON with object keys sorted (by UTF-16 code unit) at every level and no whitespace, so the same
 * value always gives the same text whatever order its keys were written or stored in (PostgreSQL's
 * jsonb reorders them). Keys whose value is undefined are left out, as JSON.stringify does.
 */
export function canonicalJson(value: JsonValue): string {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') {
    return JSON.stringify(value);
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`Cannot serialise ${value} as JSON`);
    return JSON.stringify(value);
  }
  if (isJsonArray(value)) {
    return `[${value.map((item) => canonicalJson(item)).join(',')}]`;
  }
  const members = Object.keys(value)
    .sort(compareStrings)
    .flatMap((key) => {
      const member = value[key];
      return member === undefined ? [] : [`${JSON.stringify(key)}:${canonicalJson(member)}`];
    });
  return `{${members.join(',')}}`;
}

function isJsonArray(value: JsonValue): value is readonly JsonValue[] {
  return Array.isArray(value);
}

function compareStrings(a: string, b: string): number {
  if (a < b) return -1;
  return a > b ? 1 : 0;
}

function isoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}
