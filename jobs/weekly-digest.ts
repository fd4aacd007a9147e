import { enqueueDigests } from '../src/reminders/digest.service.js';
import type { ReminderJobDeps } from './reminder-job-deps.js';
import { runLockedJob, type JobOutcome } from './run-locked-job.js';

export const WEEKLY_DIGEST_JOB = 'weekly-digest';

/** Writes each contract manager's digest of overdue returns to the outbox (when DIGEST_ENABLED). */
export function run(deps: ReminderJobDeps): Promise<JobOutcome> {
  return runLockedJob(deps, WEEKLY_DIGEST_JOB, async () => ({
    ...(await enqueueDigests(deps, deps.clock())),
  }));
}
