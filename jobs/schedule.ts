import cron from 'node-cron';
import * as pruneSessions from './prune-sessions.js';
import type { JobDeps } from './run-locked-job.js';

export const JOB_TIME_ZONE = 'Europe/London';

export interface Scheduler {
  /** Stops scheduling and waits for runs in progress to finish. */
  stop(): Promise<void>;
}

const SCHEDULES = [
  { name: pruneSessions.PRUNE_SESSIONS_JOB, expression: '*/15 * * * *', run: pruneSessions.run },
];

export function startJobs(deps: JobDeps): Scheduler {
  const running = new Set<Promise<unknown>>();
  const tasks = SCHEDULES.map((job) =>
    cron.schedule(
      job.expression,
      async () => {
        const execution = job.run(deps);
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
  deps.logger.info({ jobs: SCHEDULES.map((job) => job.name) }, 'scheduled jobs started');
  return {
    async stop() {
      for (const task of tasks) await task.stop();
      await Promise.allSettled([...running]);
    },
  };
}
