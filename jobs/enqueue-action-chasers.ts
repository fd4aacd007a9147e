import { enqueueActionChasers } from '../src/actions/action-chasers.js';
import type { ReminderJobDeps } from './reminder-job-deps.js';
import { runLockedJob, type JobOutcome } from './run-locked-job.js';

export const ENQUEUE_ACTION_CHASERS_JOB = 'enqueue-action-chasers';

/** Writes today's digests of overdue actions to the outbox (send-email delivers them). */
export function run(deps: ReminderJobDeps): Promise<JobOutcome> {
  return runLockedJob(deps, ENQUEUE_ACTION_CHASERS_JOB, async () => ({
    ...(await enqueueActionChasers(deps, deps.clock())),
  }));
}
