import type { DbClient } from '../db/prisma.js';
import type { VersionMapping } from '../frameworks/version-mapping.schema.js';
import { answerKey, parseSnapshot } from '../review/snapshot-diff.js';
import { findReturnedSubmission, findSnapshotSource } from './queries.js';
import {
  buildReturnSnapshot,
  canonicalJson,
  type ReturnSnapshot,
  type SnapshotResponse,
} from './snapshot.js';

// A returned return's requirements the reviewer sent back, and whether the provider has changed each
// since: its answer (rating, narrative, actions) or its evidence differs from the returned
// submission's snapshot. "Saved again unchanged" is not a change.

export interface ReturnedRequirement {
  requirementReviewId: string;
  requirementId: string;
  /** The service whose answer was returned, for a requirement answered per service (issue 14). */
  serviceId: string | null;
  serviceName: string | null;
  code: string;
  /** The code naming the service where answered per service: "1A (Maternity services)". */
  label: string;
  reason: string;
  /** The answer or its evidence differs from what was returned. */
  changed: boolean;
}

export interface ReturnedReview {
  comment: string;
  decidedAt: Date;
  requirements: ReturnedRequirement[];
}

/** The returned requirements of a return whose latest submission was returned; undefined otherwise. */
export async function returnedReview(
  db: DbClient,
  returnId: string,
  mappings: readonly VersionMapping[],
): Promise<ReturnedReview | undefined> {
  const latest = await findReturnedSubmission(db, returnId);
  if (latest?.review?.decision !== 'returned') return undefined;
  const submitted = responsesByAnswer(parseSnapshot(latest.snapshot));
  const current = responsesByAnswer(buildReturnSnapshot(await findSnapshotSource(db, returnId, mappings)));
  return {
    comment: latest.review.comment,
    decidedAt: latest.review.decidedAt,
    requirements: latest.requirementReviews.map((review) => {
      // A resubmission keeps the same service rows, so a service's answer is found by its id.
      const key = answerKey(review.requirement.code, review.serviceId);
      const before = submitted.get(key);
      const now = current.get(key);
      const serviceName = review.service?.name ?? null;
      return {
        requirementReviewId: review.id,
        requirementId: review.requirementId,
        serviceId: review.serviceId,
        serviceName,
        code: review.requirement.code,
        label: serviceName ? `${review.requirement.code} (${serviceName})` : review.requirement.code,
        reason: review.reason,
        changed: canonicalOrNone(before) !== canonicalOrNone(now),
      };
    }),
  };
}

/**
 * What was sent back for each requirement (by id), for pages that show one line per requirement:
 * each service's reason named by its service where answered per service ("Maternity services:
 * ..."), and whether any of them is still unchanged.
 */
export function returnedByRequirement(
  review: ReturnedReview | undefined,
): Map<string, { reason: string; awaitingChange: boolean }> {
  const byRequirement = new Map<string, { reason: string; awaitingChange: boolean }>();
  for (const item of review?.requirements ?? []) {
    const reason = item.serviceName ? `${item.serviceName}: ${item.reason}` : item.reason;
    const seen = byRequirement.get(item.requirementId);
    byRequirement.set(item.requirementId, {
      reason: seen ? `${seen.reason} ${reason}` : reason,
      awaitingChange: (seen?.awaitingChange ?? false) || !item.changed,
    });
  }
  return byRequirement;
}

function responsesByAnswer(snapshot: ReturnSnapshot): Map<string, SnapshotResponse> {
  return new Map(
    snapshot.responses.map((response) => [answerKey(response.requirementCode, response.serviceId), response]),
  );
}

function canonicalOrNone(response: SnapshotResponse | undefined): string {
  return response ? canonicalJson(response) : 'none';
}
