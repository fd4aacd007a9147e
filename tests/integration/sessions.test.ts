import supertest from 'supertest';
import { paths } from '../../src/paths.js';
import { createSessionStore, SESSION_TOUCH_INTERVAL_MS } from '../../src/middleware/session.js';
import { buildTestApp, signedInAgent, testConfig } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { createUser } from '../support/fixtures.js';

// Sessions end after the idle time-out. Each app instance writes a session's expiry at most once a
// minute, so the time-out may end a session up to a minute early but never lets it run over.

const IDLE_MINUTES = 30;

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db.drop();
});

async function storedExpiry(): Promise<Date[]> {
  const { rows } = await db.pool.query<{ expire: Date }>('SELECT expire FROM user_sessions ORDER BY sid');
  return rows.map((row) => row.expire);
}

/**
 * Sets the stored expiry to a time no write gives (a day on), so that a write shows as a change
 * however little real time has passed (express-session reads the real time for the expiry it writes).
 */
async function markStoredExpiry(): Promise<Date[]> {
  await db.pool.query(`UPDATE user_sessions SET expire = date_trunc('second', now()) + interval '1 day'`);
  return storedExpiry();
}

/** The store's own clock, moved by the tests: it alone decides when the expiry is written again. */
const START = Date.parse('2027-01-11T09:00:00Z');

/** A signed-in viewer on an app whose session store reads the time from `now`. */
async function signedInViewer(now: () => number, idleMinutes = IDLE_MINUTES) {
  await db.pool.query('DELETE FROM user_sessions');
  const viewer = await createUser(db.prisma, { role: 'viewer' });
  const app = buildTestApp(db, {
    config: testConfig({ SESSION_IDLE_MINUTES: String(idleMinutes) }),
    sessionStore: createSessionStore(db.pool, () => new Date(now())),
  });
  return signedInAgent(app, viewer.id);
}

test('a session left alone for the idle time-out is ended', async () => {
  const agent = await signedInViewer(() => START);
  await agent.get(paths.home).expect(200);
  // As if the idle time-out had passed since the expiry was last written.
  await db.pool.query(`UPDATE user_sessions SET expire = now() - interval '1 second'`);
  const response = await agent.get(paths.home).expect(302);
  expect(response.headers.location).toBe(paths.signIn);
});

test('the expiry is written once a minute at most, and a request after that pushes it on', async () => {
  let now = START;
  const agent = await signedInViewer(() => now);
  const [atSignIn] = await storedExpiry();
  if (!atSignIn) throw new Error('no session stored at sign-in');
  // The store keeps the expiry to the second, rounded up.
  const limit = () => Date.now() + IDLE_MINUTES * 60_000 + 1_000;
  expect(atSignIn.getTime()).toBeLessThanOrEqual(limit());

  // Within the minute: pages work and the expiry is left as it was.
  const marked = await markStoredExpiry();
  now += SESSION_TOUCH_INTERVAL_MS - 1_000;
  await agent.get(paths.home).expect(200);
  expect(await storedExpiry()).toEqual(marked);

  // A minute on: the next request writes the expiry again, the idle time-out from then.
  now += 2_000;
  const requestedAt = Date.now();
  await agent.get(paths.home).expect(200);
  const [pushedOn] = await storedExpiry();
  expect(pushedOn?.getTime()).toBeGreaterThanOrEqual(requestedAt + IDLE_MINUTES * 60_000);
  expect(pushedOn?.getTime()).toBeLessThanOrEqual(limit());
});

test('with a one-minute idle time-out the expiry is written every tenth of it', async () => {
  let now = START;
  const agent = await signedInViewer(() => now, 1);
  const marked = await markStoredExpiry();
  now += 5_000;
  await agent.get(paths.home).expect(200);
  expect(await storedExpiry()).toEqual(marked);
  now += 2_000;
  const requestedAt = Date.now();
  await agent.get(paths.home).expect(200);
  const [pushedOn] = await storedExpiry();
  expect(pushedOn?.getTime()).toBeGreaterThanOrEqual(requestedAt + 60_000);
});

test('a visitor who is not signed in gets a session only from a page with a form', async () => {
  await db.pool.query('DELETE FROM user_sessions');
  const visitor = supertest(buildTestApp(db));
  const pages = [paths.accessibility, '/no-such-page', paths.signIn];
  for (const path of pages) {
    const response = await visitor.get(path);
    expect({ path, cookie: response.headers['set-cookie'] }).toEqual({ path, cookie: undefined });
  }
  expect(await storedExpiry()).toEqual([]);

  // The local sign-in page has a form: its token is kept in a session.
  const form = await visitor.get(paths.localSignIn).expect(200);
  expect(form.headers['set-cookie']).toBeDefined();
  expect(await storedExpiry()).toHaveLength(1);
});
