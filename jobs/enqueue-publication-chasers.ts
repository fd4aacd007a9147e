import {
  enqueuePublicationChasers,
  type PublicationChaserDeps,
} from '../src/obligations/publication-chasers.js';
import type { ReminderJobDeps } from './reminder-job-deps.js';
import { runLockedJob, type JobOutcome } from './run-locked-job.js';

export const ENQUEUE_PUBLICATION_CHASERS_JOB = 'enqueue-publication-chasers';

/** The email jobs' deps and the obligation files (kept in the process's caches). */
export type PublicationChaserJobDeps = ReminderJobDeps & Pick<PublicationChaserDeps, 'caches'>;

/** Writes today's chasers for overdue equality publications to the outbox (send-email delivers them). */
export function run(deps: PublicationChaserJobDeps): Promise<JobOutcome> {
  return runLockedJob(deps, ENQUEUE_PUBLICATION_CHASERS_JOB, async () => ({
    ...(await enqueuePublicationChasers(deps, deps.clock())),
  }));
}
