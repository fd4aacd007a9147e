import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { sha256 } from '../../src/hash.js';
import { pathTo, paths } from '../../src/paths.js';
import { freePort } from '../../src/startup.js';
import { csrfTokenFrom, signedInAgent, TEST_SESSION_SECRET, type Agent } from '../support/app.js';
import { BOUNDS } from '../support/bounds.js';
import { findInconsistencies } from '../support/consistency.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { pdfFile } from '../support/evidence-files.js';
import { createTwoProviderWorld, importTestStandards } from '../support/fixtures.js';
import { useServerProcesses, type ServerProcess } from '../support/server-process.js';
import { cookieHeader, startSlowUpload } from '../support/slow-upload.js';
import { waitFor } from '../support/wait.js';
import { answerEveryRequirement, freshReturns, postForm, type World } from './returns-helpers.js';

// The app process is killed outright (SIGKILL: no shut-down code runs) in the middle of an upload and
// of a submission, then started again on the same database. Whatever the moment, the database holds
// either all of the change or none of it.
//
// To land the kill inside a transaction every time, the test holds a lock on audit_events: upload and
// submit write their audit event after their other rows, so the app's transaction waits there, with
// its rows written but not committed, until the process is killed.

const READY = /"msg":"ready: /;

jest.setTimeout(BOUNDS.processes);
const startServerProcess = useServerProcesses();

let db: TestDatabase;
let world: World;
let cwd: string;

beforeAll(async () => {
  db = await createTestDatabase();
  await importTestStandards(db.prisma);
  world = await createTwoProviderWorld(db.prisma);
  cwd = await mkdtemp(join(tmpdir(), 'tracker-kill-'));
  await chmod(cwd, 0o755);
});

afterAll(async () => {
  await db.drop();
  await rm(cwd, { recursive: true, force: true });
});

async function startApp(port: number): Promise<{ server: ServerProcess; base: string }> {
  const server = startServerProcess(cwd, {
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE_URL: db.url,
    SESSION_SECRET: TEST_SESSION_SECRET,
    JOBS_ENABLED: 'false',
    DEMO_DATA: 'false',
    LOCAL_SIGN_IN: 'true',
    LOG_LEVEL: 'info',
  });
  await server.waitForOutput(READY);
  return { server, base: `http://127.0.0.1:${port}` };
}

async function kill(server: ServerProcess): Promise<void> {
  server.child.kill('SIGKILL');
  expect(await server.exited).toBeNull();
}

/** Holds a lock that makes any insert into audit_events wait, until released. */
async function holdAuditLock() {
  const client = await db.pool.connect();
  await client.query('BEGIN');
  await client.query('LOCK TABLE audit_events IN SHARE MODE');
  return {
    async release() {
      await client.query('ROLLBACK');
      client.release();
    },
  };
}

async function appWaitingOnAuditInsert(): Promise<boolean> {
  const { rows } = await db.pool.query<{ waiting: number }>(
    `SELECT count(*)::int AS waiting FROM pg_stat_activity
     WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE '%INSERT%audit_events%'`,
  );
  return (rows[0]?.waiting ?? 0) > 0;
}

/** The killed app's database sessions have ended (their open transactions rolled back). */
async function killedSessionsGone(): Promise<void> {
  await waitFor(async () => {
    const { rows } = await db.pool.query<{ busy: number }>(
      `SELECT count(*)::int AS busy FROM pg_stat_activity
       WHERE datname = current_database() AND backend_type = 'client backend'
         AND pid <> pg_backend_pid() AND state <> 'idle'`,
    );
    return rows[0]?.busy === 0;
  }, "the killed app's database sessions to end");
}

async function evidenceCounts() {
  const [files, evidence, links, audits] = await Promise.all([
    db.prisma.evidenceFile.count(),
    db.prisma.evidence.count(),
    db.prisma.evidenceLink.count(),
    db.prisma.auditEvent.count({ where: { action: { startsWith: 'evidence.' } } }),
  ]);
  return { files, evidence, links, audits };
}

/**
 * A PDF big enough that half of it is a real part-way point of the upload. The padding is hex: random
 * base64 holds '/', and now and then spells a name such as /JS that the upload checks rightly refuse.
 */
function largePdf(): Buffer {
  return Buffer.concat([pdfFile(), Buffer.from(`%${randomBytes(192 * 1024).toString('hex')}\n`)]);
}

async function evidenceForm(agent: Agent, base: string, returnId: string, requirementId: string) {
  const path = pathTo(paths.evidence.upload, { returnId, requirementId });
  const page = await agent.get(path).expect(200);
  return { url: `${base}${path}`, path, token: csrfTokenFrom(page.text) };
}

/**
 * An app just started, provider A's lead signed in to it with the evidence form of one of return A's
 * requirements open, the evidence counts before the upload, and a large file to upload slowly.
 */
async function uploadScene(responseIndex: number) {
  const port = await freePort();
  const app = await startApp(port);
  const lead = await signedInAgent(app.base, world.leadA.id);
  const requirementId = world.returnA.responses[responseIndex]?.requirementId ?? '';
  const form = await evidenceForm(lead, app.base, world.returnA.id, requirementId);
  const before = await evidenceCounts();
  const content = largePdf();
  return {
    port,
    app,
    lead,
    form,
    before,
    content,
    startUpload: () =>
      startSlowUpload({
        url: form.url,
        cookie: cookieHeader(lead, form.url),
        token: form.token,
        file: { content, name: 'policy.pdf' },
      }),
  };
}

/**
 * After a restart on the same port: the same signed-in user uploads the same file, it is stored
 * whole, and nothing is inconsistent.
 */
async function restartAndUploadAgain(scene: Awaited<ReturnType<typeof uploadScene>>) {
  const { lead, form, content } = scene;
  const second = await startApp(scene.port);
  await lead.post(form.path).field('_csrf', form.token).attach('file', content, 'policy.pdf').expect(302);
  const stored = await db.prisma.evidenceFile.findUniqueOrThrow({ where: { sha256: sha256(content) } });
  expect(Buffer.from(stored.content).equals(content)).toBe(true);
  expect(await findInconsistencies(db.prisma)).toEqual([]);
  await kill(second.server);
}

test('killed while the upload is still arriving: nothing is stored, and the file uploads after a restart', async () => {
  const scene = await uploadScene(0);
  const upload = scene.startUpload();
  await upload.sendPart(Math.floor(upload.totalBytes / 2));
  await kill(scene.app.server);
  await expect(upload.reply).rejects.toThrow();

  expect(await evidenceCounts()).toEqual(scene.before);
  expect(await findInconsistencies(db.prisma)).toEqual([]);

  await restartAndUploadAgain(scene);
});

test('killed inside the upload transaction: its rows are rolled back, and the file uploads after a restart', async () => {
  const scene = await uploadScene(1);
  const lock = await holdAuditLock();
  try {
    const upload = scene.startUpload();
    await upload.finish();
    // The file and evidence rows are written; the transaction waits to write its audit event.
    await waitFor(appWaitingOnAuditInsert, 'the upload transaction to reach its audit event');
    await kill(scene.app.server);
    await expect(upload.reply).rejects.toThrow();
  } finally {
    await lock.release();
  }
  await killedSessionsGone();

  expect(await evidenceCounts()).toEqual(scene.before);
  expect(await db.prisma.evidenceFile.count({ where: { sha256: sha256(scene.content) } })).toBe(0);
  expect(await findInconsistencies(db.prisma)).toEqual([]);

  await restartAndUploadAgain(scene);
});

const checkPath = (returnId: string) => pathTo(paths.returns.checkAnswers, { returnId });
const submitPath = (returnId: string) => pathTo(paths.returns.submit, { returnId });

async function submissionState(returnId: string) {
  const [row, submissions, audits] = await Promise.all([
    db.prisma.return.findUniqueOrThrow({ where: { id: returnId }, select: { status: true } }),
    db.prisma.returnSubmission.count({ where: { returnId } }),
    db.prisma.auditEvent.count({ where: { returnId, action: 'return.submitted' } }),
  ]);
  return { status: row.status, submissions, audits };
}

const UNTOUCHED = { status: 'in_progress', submissions: 0, audits: 0 };
const SUBMITTED = { status: 'submitted', submissions: 1, audits: 1 };

test('killed inside the submit transaction: the return is untouched, and submits after a restart', async () => {
  const { returnA } = await freshReturns(db.prisma, world);
  await answerEveryRequirement(db.prisma, returnA, world.leadA.id);
  const port = await freePort();
  const first = await startApp(port);
  const lead = await signedInAgent(first.base, world.leadA.id);

  const lock = await holdAuditLock();
  try {
    const submitted = postForm(lead, checkPath(returnA.id), submitPath(returnA.id), {
      declaration: 'confirmed',
    });
    submitted.catch(() => undefined);
    // The submission row and the new status are written; the transaction waits to write its audit event.
    await waitFor(appWaitingOnAuditInsert, 'the submit transaction to reach its audit event');
    await kill(first.server);
    await expect(submitted).rejects.toThrow();
  } finally {
    await lock.release();
  }
  await killedSessionsGone();

  expect(await submissionState(returnA.id)).toEqual(UNTOUCHED);
  expect(await findInconsistencies(db.prisma)).toEqual([]);

  const second = await startApp(port);
  const again = await postForm(lead, checkPath(returnA.id), submitPath(returnA.id), {
    declaration: 'confirmed',
  });
  expect(again.status).toBe(302);
  expect(await submissionState(returnA.id)).toEqual(SUBMITTED);
  expect(await findInconsistencies(db.prisma)).toEqual([]);
  await kill(second.server);
});

test('killed straight after a submit is sent: the return is either fully submitted or untouched', async () => {
  const { returnA } = await freshReturns(db.prisma, world);
  await answerEveryRequirement(db.prisma, returnA, world.leadA.id);
  const port = await freePort();
  const first = await startApp(port);
  const lead = await signedInAgent(first.base, world.leadA.id);
  const token = csrfTokenFrom((await lead.get(checkPath(returnA.id)).expect(200)).text);

  // Killed once the whole request has left the client: whether that is before, inside or after the
  // transaction is up to the scheduler, and each is fine.
  const url = `${first.base}${submitPath(returnA.id)}`;
  const body = new URLSearchParams({ _csrf: token, declaration: 'confirmed' }).toString();
  const submit = request(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: cookieHeader(lead, url) },
  });
  const replied = new Promise<unknown>((resolve) => {
    submit.once('response', (response) => resolve(response.statusCode));
    submit.once('error', resolve);
  });
  await new Promise<void>((resolve) => submit.end(body, resolve));
  await kill(first.server);
  await replied;
  await killedSessionsGone();

  expect([UNTOUCHED, SUBMITTED]).toContainEqual(await submissionState(returnA.id));
  expect(await findInconsistencies(db.prisma)).toEqual([]);

  const second = await startApp(port);
  await lead.get(pathTo(paths.returns.show, { returnId: returnA.id })).expect(200);
  await kill(second.server);
});
