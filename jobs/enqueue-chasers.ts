import { enqueueChasers } from '../src/reminders/enqueue.service.js';
import type { ReminderJobDeps } from './reminder-job-deps.js';
import { runLockedJob, type JobOutcome } from './run-locked-job.js';

export const ENQUEUE_CHASERS_JOB = 'enqueue-chasers';

/** Writes today's chasers to the outbox (the send-email job delivers them). */
export function run(deps: ReminderJobDeps): Promise<JobOutcome> {
  return runLockedJob(deps, ENQUEUE_CHASERS_JOB, async () => ({
    ...(await enqueueChasers(deps, deps.clock())),
  }));
}
