import cron from 'node-cron';
import type { Config } from '../src/config.js';
import * as enqueueActionChasers from './enqueue-action-chasers.js';
import * as enqueueChasers from './enqueue-chasers.js';
import * as enqueuePublicationChasers from './enqueue-publication-chasers.js';
import * as enqueueWorkforceChasers from './enqueue-workforce-chasers.js';
import * as pruneRateLimits from './prune-rate-limits.js';
import * as pruneSessions from './prune-sessions.js';
import type { ReminderJobDeps } from './reminder-job-deps.js';
import * as rescanEvidence from './rescan-evidence.js';
import type { JobOutcome } from './run-locked-job.js';
import * as sendEmail from './send-email.js';
import * as weeklyDigest from './weekly-digest.js';

export const JOB_TIME_ZONE = 'Europe/London';

export interface Scheduler {
  /** Stops scheduling, tells runs in progress to stop after their current item, and waits for them. */
  stop(): Promise<void>;
}

const SCHEDULES = [
  { name: pruneSessions.PRUNE_SESSIONS_JOB, expression: '*/15 * * * *', run: pruneSessions.run },
  { name: pruneRateLimits.PRUNE_RATE_LIMITS_JOB, expression: '*/15 * * * *', run: pruneRateLimits.run },
];

/**
 * What the scheduled jobs need: the email jobs' deps, the obligation and workforce standard files and
 * the virus scanner.
 */
export type ScheduledJobDeps = ReminderJobDeps &
  enqueuePublicationChasers.PublicationChaserJobDeps &
  enqueueWorkforceChasers.WorkforceChaserJobDeps &
  rescanEvidence.RescanJobDeps;

interface ScheduledJob {
  name: string;
  expression: string;
  /** `stopping` is aborted at shut-down; a job working through many items checks it between them. */
  run: (deps: ScheduledJobDeps, stopping: AbortSignal) => Promise<JobOutcome>;
}

/**
 * Every job this process schedules: the email jobs on the configured cron expressions, and the rescan
 * of evidence files waiting for a virus scan when there is a scanner.
 */
export function scheduledJobs(config: Config): ScheduledJob[] {
  return [
    ...SCHEDULES,
    ...(config.scanner.clamd
      ? [
          {
            name: rescanEvidence.RESCAN_EVIDENCE_JOB,
            expression: '* * * * *',
            run: (deps: ScheduledJobDeps, stopping: AbortSignal) =>
              rescanEvidence.run(deps, { signal: stopping }),
          },
        ]
      : []),
    {
      name: enqueueChasers.ENQUEUE_CHASERS_JOB,
      expression: config.jobs.chasersCron,
      run: enqueueChasers.run,
    },
    {
      name: enqueuePublicationChasers.ENQUEUE_PUBLICATION_CHASERS_JOB,
      expression: config.jobs.chasersCron,
      run: enqueuePublicationChasers.run,
    },
    {
      name: enqueueWorkforceChasers.ENQUEUE_WORKFORCE_CHASERS_JOB,
      expression: config.jobs.chasersCron,
      run: enqueueWorkforceChasers.run,
    },
    {
      name: enqueueActionChasers.ENQUEUE_ACTION_CHASERS_JOB,
      expression: config.jobs.chasersCron,
      run: enqueueActionChasers.run,
    },
    {
      name: sendEmail.SEND_EMAIL_JOB,
      expression: config.jobs.sendEmailCron,
      run: (deps, stopping) => sendEmail.run(deps, { signal: stopping }),
    },
    ...(config.jobs.digestEnabled
      ? [{ name: weeklyDigest.WEEKLY_DIGEST_JOB, expression: config.jobs.digestCron, run: weeklyDigest.run }]
      : []),
  ];
}

export function startJobs(deps: ScheduledJobDeps): Scheduler {
  const running = new Set<Promise<unknown>>();
  const stopping = new AbortController();
  const jobs = scheduledJobs(deps.config);
  const tasks = jobs.map((job) =>
    cron.schedule(
      job.expression,
      async () => {
        if (stopping.signal.aborted) return;
        const execution = job.run(deps, stopping.signal);
        running.add(execution);
        try {
          await execution;
        } finally {
          running.delete(execution);
        }
      },
      { name: job.name, timezone: JOB_TIME_ZONE, noOverlap: true },
    ),
  );
  deps.logger.info({ jobs: jobs.map((job) => job.name) }, 'scheduled jobs started');
  return {
    async stop() {
      stopping.abort();
      for (const task of tasks) await task.stop();
      await Promise.allSettled([...running]);
    },
  };
}
