import type { DbClient } from '../db/prisma.js';
import type { VersionMapping } from '../frameworks/version-mapping.schema.js';
import { parseSnapshot } from '../review/snapshot-diff.js';
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
  code: string;
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
  const submitted = responsesByCode(parseSnapshot(latest.snapshot));
  const current = responsesByCode(buildReturnSnapshot(await findSnapshotSource(db, returnId, mappings)));
  return {
    comment: latest.review.comment,
    decidedAt: latest.review.decidedAt,
    requirements: latest.requirementReviews.map((review) => {
      const before = submitted.get(review.requirement.code);
      const now = current.get(review.requirement.code);
      return {
        requirementReviewId: review.id,
        requirementId: review.requirementId,
        code: review.requirement.code,
        reason: review.reason,
        changed: canonicalOrNone(before) !== canonicalOrNone(now),
      };
    }),
  };
}

function responsesByCode(snapshot: ReturnSnapshot): Map<string, SnapshotResponse> {
  return new Map(snapshot.responses.map((response) => [response.requirementCode, response]));
}

function canonicalOrNone(response: SnapshotResponse | undefined): string {
  return response ? canonicalJson(response) : 'none';
}
