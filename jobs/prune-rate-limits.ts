import { deleteExpiredHits } from '../src/rate-limit/queries.js';
import { runLockedJob, type JobDeps, type JobOutcome } from './run-locked-job.js';

export const PRUNE_RATE_LIMITS_JOB = 'prune-rate-limits';

/** Deletes rate-limit counters whose window has ended (a client's next hit starts a new one anyway). */
export function run(deps: JobDeps): Promise<JobOutcome> {
  return runLockedJob(deps, PRUNE_RATE_LIMITS_JOB, async () => ({
    deleted: await deleteExpiredHits(deps.prisma, deps.clock()),
  }));
}
