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

/** The store keeps expiry times to the second: a write after this shows as a change. */
function nextSecond(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 1_100));
}

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
  const agent = await signedInViewer(Date.now);
  await agent.get(paths.home).expect(200);
  // As if the idle time-out had passed since the expiry was last written.
  await db.pool.query(`UPDATE user_sessions SET expire = now() - interval '1 second'`);
  const response = await agent.get(paths.home).expect(302);
  expect(response.headers.location).toBe(paths.signIn);
});

test('the expiry is written once a minute at most, and a request after that pushes it on', async () => {
  let now = Date.now();
  const agent = await signedInViewer(() => now);
  const [atSignIn] = await storedExpiry();
  if (!atSignIn) throw new Error('no session stored at sign-in');
  // The store keeps the expiry to the second, rounded up.
  const limit = () => Date.now() + IDLE_MINUTES * 60_000 + 1_000;
  expect(atSignIn.getTime()).toBeLessThanOrEqual(limit());

  // Within the minute: pages work and the expiry is left as it was written (though real time, which
  // express-session reads, has passed the next whole second: a write would change it).
  now += SESSION_TOUCH_INTERVAL_MS - 1_000;
  await nextSecond();
  await agent.get(paths.home).expect(200);
  expect(await storedExpiry()).toEqual([atSignIn]);

  // A minute on: the next request writes a later expiry, still within the idle time-out of now.
  now += 2_000;
  await nextSecond();
  await agent.get(paths.home).expect(200);
  const [pushedOn] = await storedExpiry();
  expect(pushedOn?.getTime()).toBeGreaterThan(atSignIn.getTime());
  expect(pushedOn?.getTime()).toBeLessThanOrEqual(limit());
});

test('with a one-minute idle time-out the expiry is written every tenth of it', async () => {
  let now = Date.now();
  const agent = await signedInViewer(() => now, 1);
  const [atSignIn] = await storedExpiry();
  if (!atSignIn) throw new Error('no session stored at sign-in');
  now += 7_000;
  await nextSecond();
  await agent.get(paths.home).expect(200);
  const [pushedOn] = await storedExpiry();
  expect(pushedOn?.getTime()).toBeGreaterThan(atSignIn.getTime());
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
