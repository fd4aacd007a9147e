import { sendDueEmails, type SendOptions } from '../src/reminders/sender.js';
import type { ReminderJobDeps } from './reminder-job-deps.js';
import { runLockedJob, type JobOutcome } from './run-locked-job.js';

export const SEND_EMAIL_JOB = 'send-email';

/**
 * Delivers due outbox emails. One sender at a time per deployment (the advisory lock), although the
 * claims (FOR UPDATE SKIP LOCKED with a lease) would keep several apart too.
 */
export function run(deps: ReminderJobDeps, options: SendOptions = {}): Promise<JobOutcome> {
  return runLockedJob(deps, SEND_EMAIL_JOB, async () => ({ ...(await sendDueEmails(deps, options)) }));
}
