import type pg from 'pg';
import type { Db } from '../src/db/prisma.js';
import type { Logger } from '../src/logger.js';
import { requestContext } from '../src/request-context.js';

export interface JobDeps {
  prisma: Db;
  pool: pg.Pool;
  logger: Logger;
  clock: () => Date;
}

export type JobCounts = Record<string, number>;

export type JobOutcome =
  { status: 'succeeded'; counts: JobCounts } | { status: 'failed'; error: string } | { status: 'skipped' };

/**
 * Runs `work` only if no other instance is running the same job (a PostgreSQL advisory lock held
 * on a dedicated connection for the run), and records the run in job_runs.
 */
export async function runLockedJob(
  deps: JobDeps,
  jobName: string,
  work: () => Promise<JobCounts>,
): Promise<JobOutcome> {
  const lockConnection = await deps.pool.connect();
  try {
    const { rows } = await lockConnection.query<{ locked: boolean }>(
      'SELECT pg_try_advisory_lock(hashtext($1)) AS locked',
      [`job:${jobName}`],
    );
    if (!rows[0]?.locked) {
      deps.logger.debug({ job: jobName }, 'job already running elsewhere: skipped');
      return { status: 'skipped' };
    }
    try {
      return await recordRun(deps, jobName, work);
    } finally {
      await lockConnection.query('SELECT pg_advisory_unlock(hashtext($1))', [`job:${jobName}`]);
    }
  } finally {
    lockConnection.release();
  }
}

async function recordRun(
  deps: JobDeps,
  jobName: string,
  work: () => Promise<JobCounts>,
): Promise<JobOutcome> {
  const run = await deps.prisma.jobRun.create({ data: { jobName, startedAt: deps.clock() } });
  const log = deps.logger.child({ job: jobName, jobRunId: run.id });
  try {
    // The run's id stands in for a request id: on its log lines and the audit events it writes.
    const counts = await requestContext.run({ requestId: run.id }, work);
    await deps.prisma.jobRun.update({
      where: { id: run.id },
      data: { status: 'succeeded', finishedAt: deps.clock(), counts },
    });
    log.info({ counts }, 'job finished');
    return { status: 'succeeded', counts };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await deps.prisma.jobRun.update({
      where: { id: run.id },
      data: { status: 'failed', finishedAt: deps.clock(), error: message },
    });
    log.error({ err: error }, 'job failed');
    return { status: 'failed', error: message };
  }
}
