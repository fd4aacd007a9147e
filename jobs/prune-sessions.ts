import { runLockedJob, type JobDeps, type JobOutcome } from './run-locked-job.js';

export const PRUNE_SESSIONS_JOB = 'prune-sessions';

/** Deletes expired sessions (the session store's own pruning timer is off: one instance does it). */
export function run(deps: JobDeps): Promise<JobOutcome> {
  return runLockedJob(deps, PRUNE_SESSIONS_JOB, async () => {
    const deleted = await deps.prisma.session.deleteMany({ where: { expire: { lt: deps.clock() } } });
    return { deleted: deleted.count };
  });
}
