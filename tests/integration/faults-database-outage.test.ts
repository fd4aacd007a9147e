import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import pg from 'pg';
import supertest from 'supertest';
import { migrate } from '../../src/db/migrate.js';
import { sha256 } from '../../src/hash.js';
import { pathTo, paths } from '../../src/paths.js';
import { MIGRATIONS_DIR } from '../../src/project-root.js';
import { buildTestApp, csrfTokenFrom, signedInAgent, type Agent } from '../support/app.js';
import { BOUNDS } from '../support/bounds.js';
import { findInconsistencies } from '../support/consistency.js';
import { connectToDatabase, type TestDatabase } from '../support/database.js';
import { pdfFile } from '../support/evidence-files.js';
import { createTwoProviderWorld, importTestStandards } from '../support/fixtures.js';
import { startStoppablePostgres, type StoppablePostgres } from '../support/stoppable-postgres.js';
import { testLogger } from '../support/test-logger.js';
import { waitFor } from '../support/wait.js';
import { answerFields, formVersion, requirementPath, returnPath } from './returns-helpers.js';

// PostgreSQL stops while a signed-in provider lead is using the service (pages, saving an answer,
// uploading evidence) and starts again. The database is a server of this test's own: the shared one
// is never stopped.
//
// Requests during the outage must not wait for the database to come back: each kind of request is
// answered (503) again and again while it is down, within the bound of a wait for a condition.

jest.setTimeout(BOUNDS.processes);

// Far above any request's time here; only a request that would otherwise never end meets it.
const REQUEST_LIMIT_MS = 60_000;
const UNAVAILABLE_PAGE = '<h1>Sorry, the service is unavailable</h1>';

let server: StoppablePostgres | undefined;
let db: TestDatabase | undefined;

beforeAll(async () => {
  server = await startStoppablePostgres();
  const url = server.connectionString;
  await migrate(url, MIGRATIONS_DIR, testLogger);
  const connection = connectToDatabase(url);
  // The database goes with its server in afterAll: "drop" only lets go of it.
  db = { ...connection, drop: connection.disconnect };
  await importTestStandards(connection.prisma);
});

afterAll(async () => {
  await db?.drop();
  await server?.destroy();
});

type Kind = 'return page' | 'requirement page' | 'save' | 'evidence page' | 'upload';

interface Outcome {
  kind: Kind;
  status: number;
  ms: number;
  startedAt: number;
  text: string;
  /** What a save or upload sent: the narrative, or the file's SHA-256. */
  sent?: string;
  /** A save from a form an earlier save already used: its version may be out of date. */
  repeat?: boolean;
}

/** Loops of one signed-in user's requests, each recorded with its status and how long it took. */
function startTraffic(agent: Agent, returnId: string, requirementId: string) {
  const outcomes: Outcome[] = [];
  let running = true;
  const record = async (
    kind: Kind,
    request: () => supertest.Test,
    sent?: string,
    extra: Pick<Outcome, 'repeat'> = {},
  ) => {
    const startedAt = Date.now();
    // Bounded so that stopping the traffic can never wait on a request stuck behind a lock.
    const response = await request().timeout(REQUEST_LIMIT_MS);
    outcomes.push({
      kind,
      status: response.status,
      ms: Date.now() - startedAt,
      startedAt,
      text: response.text,
      ...(sent === undefined ? {} : { sent }),
      ...extra,
    });
    return response;
  };

  const requirement = requirementPath(returnId, requirementId);
  const evidence = pathTo(paths.evidence.upload, { returnId, requirementId });
  const loops = [
    async () => {
      while (running) await record('return page', () => agent.get(returnPath(returnId)));
    },
    async () => {
      // The form's token and version are kept from the last page that loaded, so saves are attempted
      // during the outage too. Saving the same form again is what a user does who presses Save twice:
      // if the first save went through, the second is told of the conflict (409).
      let form: { token: string; version: string; used: boolean } | undefined;
      for (let count = 1; running; count += 1) {
        const page = await record('requirement page', () => agent.get(requirement));
        if (page.status === 200) {
          form = { token: csrfTokenFrom(page.text), version: formVersion(page.text), used: false };
        }
        if (!form) continue;
        const { token, version, used } = form;
        form.used = true;
        const narrative = `Narrative ${count} ${randomUUID()}`;
        await record(
          'save',
          () =>
            agent
              .post(requirement)
              .type('form')
              .send({ _csrf: token, version, ...answerFields({ narrative, action: 'draft' }) }),
          narrative,
          { repeat: used },
        );
      }
    },
    async () => {
      let token: string | undefined;
      while (running) {
        const page = await record('evidence page', () => agent.get(evidence));
        if (page.status === 200) token = csrfTokenFrom(page.text);
        if (!token) continue;
        const content = pdfFile();
        const csrf = token;
        await record(
          'upload',
          () => agent.post(evidence).field('_csrf', csrf).attach('file', content, 'policy.pdf'),
          sha256(content),
        );
      }
    },
  ];
  const finished = Promise.all(loops.map((loop) => loop()));
  return {
    outcomes,
    since: (time: number) => outcomes.filter((outcome) => outcome.startedAt >= time),
    async stop() {
      running = false;
      await finished;
    },
  };
}

const KINDS: Kind[] = ['return page', 'requirement page', 'save', 'evidence page', 'upload'];

function everyKindHas(outcomes: Outcome[], accept: (outcome: Outcome) => boolean, atLeast: number): boolean {
  return KINDS.every(
    (kind) => outcomes.filter((outcome) => outcome.kind === kind && accept(outcome)).length >= atLeast,
  );
}

const succeeded = (outcome: Outcome) => outcome.status === 200 || outcome.status === 302;

test('a database outage gives 503 pages without waiting for the database, then the app recovers by itself with nothing half-written', async () => {
  if (!db || !server) throw new Error('set-up failed');
  const { prisma } = db;
  const world = await createTwoProviderWorld(prisma);
  const app = buildTestApp(db);
  const returnId = world.returnA.id;
  const requirementId = world.returnA.responses[0]?.requirementId ?? '';
  const lead = await signedInAgent(app, world.leadA.id);
  // One page first stores the session's CSRF token; the concurrent requests below then share it.
  await lead.get(returnPath(returnId)).expect(200);
  const probe = supertest(app);

  const traffic = startTraffic(lead, returnId, requirementId);
  try {
    await waitFor(
      () => everyKindHas(traffic.outcomes, succeeded, 1),
      () => `traffic to succeed before the outage: ${summary(traffic.outcomes)}`,
    );

    // One page is caught inside its query when the server goes: a lock on returns holds it there.
    const locker = new pg.Client({ connectionString: server.connectionString });
    locker.on('error', () => undefined); // its connection is cut by the shutdown, as intended
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE returns IN ACCESS EXCLUSIVE MODE');
    const caught = lead.get(returnPath(returnId)).then((response) => response);
    let sessions: { state: string | null; on_returns: boolean; query: string }[] = [];
    try {
      await waitFor(
        async () => {
          // Inside a transaction PostgreSQL keeps showing the first look at pg_stat_activity; without
          // this a page that starts waiting after the first poll is never seen.
          await locker.query('SELECT pg_stat_clear_snapshot()');
          ({ rows: sessions } = await locker.query(
            `SELECT state, wait_event_type = 'Lock' AND query ILIKE '%"returns"%' AS on_returns,
                    left(query, 100) AS query
             FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
          ));
          return sessions.some((row) => row.on_returns);
        },
        () => `a page to wait inside its query; sessions: ${JSON.stringify(sessions)}`,
      );
    } catch (error) {
      // Let the requests held by the lock go, so the traffic below can stop and the error shows.
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end().catch(() => undefined);
      throw error;
    }

    await server.stop();
    // Not awaited: the shutdown has already cut this connection, and pg's end() on a connection the
    // server closed first may never settle (the suite hung here in CI under load).
    void locker.end().catch(() => undefined);
    const stoppedAt = Date.now();
    const cut = await caught;
    expect(cut.status).toBe(503);
    expect(cut.text).toContain(UNAVAILABLE_PAGE);
    // Someone who is not signed in (no session to load) meets the same page, not a 500.
    const anonymous = await probe.get(paths.localSignIn);
    expect(anonymous.status).toBe(503);
    expect(anonymous.text).toContain(UNAVAILABLE_PAGE);
    await waitFor(
      () => everyKindHas(traffic.since(stoppedAt), () => true, 2),
      () => `requests during the outage: ${summary(traffic.since(stoppedAt))}`,
    );
    const ready = await probe.get(paths.health.ready);
    expect(ready.status).toBe(503);
    expect(ready.body).toEqual({ status: 'unavailable', database: 'unreachable', scanner: 'disabled' });

    const restartingAt = Date.now();
    await server.start();
    const restartedAt = Date.now();
    const during = traffic.outcomes.filter(
      (outcome) => outcome.startedAt >= stoppedAt && outcome.startedAt + outcome.ms < restartingAt,
    );
    // Every request made while the database was down: the NHS-styled 503 page.
    expect(during.length).toBeGreaterThanOrEqual(KINDS.length * 2);
    for (const outcome of during) {
      expect({ kind: outcome.kind, status: outcome.status }).toEqual({ kind: outcome.kind, status: 503 });
      expect(outcome.text).toContain(UNAVAILABLE_PAGE);
      expect(outcome.text).toContain('class="nhsuk-header');
    }

    // Back by itself once the database is, with no restart of the app.
    await waitFor(async () => (await probe.get(paths.health.ready)).status === 200, 'readiness');
    await waitFor(async () => (await lead.get(returnPath(returnId))).status === 200, 'the return page');
    await waitFor(
      () => everyKindHas(traffic.since(restartedAt), succeeded, 1),
      () => `traffic to succeed after the outage: ${summary(traffic.since(restartedAt))}`,
    );
  } finally {
    await traffic.stop();
  }

  // Never a 500: each request worked, said the service is unavailable or, for a form saved again
  // after a save that went through, showed the conflict.
  const conflictShown = (outcome: Outcome) =>
    outcome.repeat === true && outcome.status === 409 && outcome.text.includes('after you opened it');
  const expected = (outcome: Outcome) =>
    succeeded(outcome) || outcome.status === 503 || conflictShown(outcome);
  expect(traffic.outcomes.filter((outcome) => !expected(outcome))).toEqual([]);

  expect(await findInconsistencies(prisma)).toEqual([]);
  // Every save the user was told about is in the audit trail, the last one is what is stored, and the
  // response's version counts exactly the saves that happened.
  const response = await prisma.response.findFirstOrThrow({
    where: { returnId, requirementId },
  });
  const saves = await prisma.auditEvent.findMany({
    where: { action: 'response.saved', entityId: response.id },
    orderBy: { id: 'asc' },
  });
  const savedNarratives = saves.map((event) => (event.after as { narrative?: string } | null)?.narrative);
  const acknowledged = traffic.outcomes.filter(
    (outcome) => outcome.kind === 'save' && outcome.status === 302,
  );
  expect(acknowledged.length).toBeGreaterThanOrEqual(2);
  for (const save of acknowledged) expect(savedNarratives).toContain(save.sent);
  expect(response.narrative).toBe(savedNarratives.at(-1));
  expect(response.version).toBe(saves.length + 1);
  // Every upload the user was told about is stored whole and linked.
  const stored = await prisma.evidence.findMany({
    where: { providerId: world.providerA.id },
    include: { links: true },
  });
  for (const upload of traffic.outcomes.filter(
    (outcome) => outcome.kind === 'upload' && outcome.status === 302,
  )) {
    const item = stored.find((evidence) => evidence.fileSha256 === upload.sent);
    expect(item?.links.length).toBe(1);
  }
});

function summary(outcomes: Outcome[]): string {
  return JSON.stringify(outcomes.map(({ kind, status, ms }) => ({ kind, status, ms })));
}
