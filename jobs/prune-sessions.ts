import { deleteImportPreviewsBefore } from '../src/imports/queries.js';
import { runLockedJob, type JobDeps, type JobOutcome } from './run-locked-job.js';

export const PRUNE_SESSIONS_JOB = 'prune-sessions';

// A register import's preview holds every row of its file; one not confirmed within a week is
// abandoned (confirming works the plan out afresh anyway, so nothing depends on an old preview).
const IMPORT_PREVIEW_DAYS = 7;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Housekeeping: deletes expired sessions (the session store's own pruning timer is off: one instance
 * does it) and register import previews nobody confirmed.
 */
export function run(deps: JobDeps): Promise<JobOutcome> {
  return runLockedJob(deps, PRUNE_SESSIONS_JOB, async () => {
    const now = deps.clock();
    const deleted = await deps.prisma.session.deleteMany({ where: { expire: { lt: now } } });
    const previews = await deleteImportPreviewsBefore(
      deps.prisma,
      new Date(now.getTime() - IMPORT_PREVIEW_DAYS * DAY_MS),
    );
    return { deleted: deleted.count, importPreviewsDeleted: previews };
  });
}
