import { enqueueWorkforceChasers, type WorkforceChaserDeps } from '../src/workforce/workforce-chasers.js';
import type { ReminderJobDeps } from './reminder-job-deps.js';
import { runLockedJob, type JobOutcome } from './run-locked-job.js';

export const ENQUEUE_WORKFORCE_CHASERS_JOB = 'enqueue-workforce-chasers';

/** The email jobs' deps, the obligation files and the WRES and WDES files (kept in the process's caches). */
export type WorkforceChaserJobDeps = ReminderJobDeps & Pick<WorkforceChaserDeps, 'caches'>;

/** Writes today's chasers for WRES and WDES returns not yet submitted to the outbox (send-email delivers them). */
export function run(deps: WorkforceChaserJobDeps): Promise<JobOutcome> {
  return runLockedJob(deps, ENQUEUE_WORKFORCE_CHASERS_JOB, async () => ({
    ...(await enqueueWorkforceChasers(deps, deps.clock())),
  }));
}
