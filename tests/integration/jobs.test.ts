import { run as pruneSessions } from '../../jobs/prune-sessions.js';
import { runLockedJob, type JobDeps } from '../../jobs/run-locked-job.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { testLogger } from '../support/test-logger.js';
import { waitFor } from '../support/wait.js';

let db: TestDatabase;
let deps: JobDeps;
const now = new Date('2026-11-22T10:00:00Z');

beforeAll(async () => {
  db = await createTestDatabase();
  deps = { prisma: db.prisma, pool: db.pool, logger: testLogger, clock: () => now };
});
afterAll(async () => {
  await db.drop();
});

describe('runLockedJob', () => {
  test('records a successful run with its counts', async () => {
    const outcome = await runLockedJob(deps, 'counting', () => Promise.resolve({ things: 3 }));
    expect(outcome).toEqual({ status: 'succeeded', counts: { things: 3 } });
    const runs = await db.prisma.jobRun.findMany({ where: { jobName: 'counting' } });
    expect(runs).toMatchObject([
      { status: 'succeeded', counts: { things: 3 }, startedAt: now, finishedAt: now, error: null },
    ]);
  });

  test('records a failed run with its error and does not throw', async () => {
    const outcome = await runLockedJob(deps, 'failing', () => Promise.reject(new Error('smtp unreachable')));
    expect(outcome).toEqual({ status: 'failed', error: 'smtp unreachable' });
    const runs = await db.prisma.jobRun.findMany({ where: { jobName: 'failing' } });
    expect(runs).toMatchObject([{ status: 'failed', error: 'smtp unreachable' }]);
  });

  test('a second run of the same job while one is running is skipped (advisory lock), other jobs are not', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let working = false;
    const first = runLockedJob(deps, 'slow', async () => {
      working = true;
      await gate;
      return { done: 1 };
    });
    // Its work starts only once it holds the lock.
    await waitFor(() => working, 'the first run to take its lock');
    expect(await runLockedJob(deps, 'slow', () => Promise.resolve({ done: 1 }))).toEqual({
      status: 'skipped',
    });
    expect((await runLockedJob(deps, 'other', () => Promise.resolve({}))).status).toBe('succeeded');
    release();
    expect((await first).status).toBe('succeeded');
    expect(await db.prisma.jobRun.count({ where: { jobName: 'slow' } })).toBe(1);
    // Once released, the job can run again.
    expect((await runLockedJob(deps, 'slow', () => Promise.resolve({}))).status).toBe('succeeded');
  });
});

test('prune-sessions deletes only expired sessions', async () => {
  await db.prisma.session.createMany({
    data: [
      { sid: 'expired', sess: {}, expire: new Date(now.getTime() - 1_000) },
      { sid: 'current', sess: {}, expire: new Date(now.getTime() + 60_000) },
    ],
  });
  expect(await pruneSessions(deps)).toEqual({
    status: 'succeeded',
    counts: { deleted: 1, importPreviewsDeleted: 0 },
  });
  expect((await db.prisma.session.findMany()).map((row) => row.sid)).toEqual(['current']);
});

test('prune-sessions deletes register import previews unconfirmed for over a week, never applied imports', async () => {
  const user = await db.prisma.user.create({
    data: { email: 'importer@example.com', displayName: 'Imogen Importer', role: 'contract_manager' },
  });
  const day = 24 * 60 * 60 * 1000;
  const at = (daysAgo: number, extraMs = 0) => new Date(now.getTime() - daysAgo * day - extraMs);
  const importRow = (fileName: string, createdAt: Date, status: 'previewed' | 'applied') => ({
    kind: 'register',
    createdById: user.id,
    fileName,
    fileSha256: '0'.repeat(64),
    rows: [],
    status,
    createdAt,
  });
  await db.prisma.registerImport.createMany({
    data: [
      importRow('stale.csv', at(7, 1), 'previewed'),
      importRow('recent.csv', at(7), 'previewed'),
      importRow('old-applied.csv', at(30), 'applied'),
    ],
  });
  expect(await pruneSessions(deps)).toEqual({
    status: 'succeeded',
    counts: { deleted: 0, importPreviewsDeleted: 1 },
  });
  const left = await db.prisma.registerImport.findMany({
    select: { fileName: true },
    orderBy: { fileName: 'asc' },
  });
  expect(left.map((row) => row.fileName)).toEqual(['old-applied.csv', 'recent.csv']);
});
