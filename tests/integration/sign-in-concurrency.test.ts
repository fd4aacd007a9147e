import { request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { createSessionStore } from '../../src/middleware/session.js';
import { paths } from '../../src/paths.js';
import { buildTestApp, csrfTokenFrom, useLoopbackServer } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { createProvider, createProviderLead, createUser } from '../support/fixtures.js';

// Signing in under load: twenty people sign in at once, and each follows the redirect the moment its
// headers arrive, as a busy browser does (before the rest of the response). The session must already
// be stored then; express-session alone would store it only as the response ends, and some of them
// would land back on the sign-in page, signed out, with no message. Two app instances behind a load
// balancer: the sign-in goes to a busy one (its sessions on one database connection, so its writes
// queue), the page after it to the other.

const USERS = 20;

let db: TestDatabase;
let busyPool: pg.Pool;
let busy: ReturnType<typeof buildTestApp>;
let other: ReturnType<typeof buildTestApp>;

beforeAll(async () => {
  db = await createTestDatabase();
  // One connection, so its session writes queue; with no time limit on the wait for it (the app's pool
  // gives up after 3 s, which a loaded machine can reach here with forty writes in the queue).
  busyPool = new pg.Pool({ connectionString: db.url, max: 1 });
  busy = buildTestApp(db, { sessionStore: createSessionStore(busyPool, () => new Date()) });
  other = buildTestApp(db);
});

afterAll(async () => {
  await busyPool.end();
  await db.drop();
});

const busyServer = useLoopbackServer(() => busy);
const otherServer = useLoopbackServer(() => other);

interface Answer {
  status: number;
  headers: IncomingMessage['headers'];
  body: () => Promise<string>;
}

/** One request on its own connection; resolves as soon as the headers arrive (the body is read on demand). */
function send(
  server: Server,
  path: string,
  options: { method?: string; cookie?: string; form?: string } = {},
): Promise<Answer> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        agent: false,
        headers: {
          ...(options.cookie ? { cookie: options.cookie } : {}),
          ...(options.form
            ? {
                'content-type': 'application/x-www-form-urlencoded',
                'content-length': Buffer.byteLength(options.form),
              }
            : {}),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        const ended = new Promise<string>((done, failed) => {
          response.on('end', () => done(Buffer.concat(chunks).toString('utf8')));
          response.on('error', failed);
        });
        // Not awaited by the caller before its next request: that is the point.
        ended.catch(() => undefined);
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: () => ended });
      },
    );
    request.on('error', reject);
    request.end(options.form);
  });
}

/** The name=value of the session cookie a response sets. */
function sessionCookie(answer: Answer): string {
  const cookie = (answer.headers['set-cookie'] ?? []).find((line) => line.startsWith('tracker.sid='));
  if (!cookie) throw new Error(`No session cookie in the ${answer.status} answer`);
  return cookie.split(';')[0] ?? '';
}

/** Signs in through the local form and follows the redirect on its headers; returns the page reached. */
async function signInAndFollow(
  userId: string,
): Promise<{ location: string | undefined; status: number; page: string }> {
  const form = await send(busyServer(), paths.localSignIn);
  const token = csrfTokenFrom(await form.body());
  const signedIn = await send(busyServer(), paths.localSignIn, {
    method: 'POST',
    cookie: sessionCookie(form),
    form: new URLSearchParams({ _csrf: token, userId }).toString(),
  });
  const location = signedIn.headers.location;
  const landed = await send(otherServer(), location ?? paths.localSignIn, {
    cookie: sessionCookie(signedIn),
  });
  const page = await landed.body();
  await signedIn.body();
  return { location, status: landed.status, page };
}

test(`${USERS} people signing in at once each reach their own home page, signed in`, async () => {
  const provider = await createProvider(db.prisma);
  const people = await Promise.all(
    Array.from({ length: USERS }, (_, index) =>
      index % 2 === 0
        ? createProviderLead(db.prisma, provider.id)
        : createUser(db.prisma, { role: index % 4 === 1 ? 'viewer' : 'contract_manager' }),
    ),
  );

  const outcomes = await Promise.all(people.map((person) => signInAndFollow(person.id)));

  outcomes.forEach((outcome, index) => {
    const person = people[index];
    expect({ user: person?.displayName, location: outcome.location, status: outcome.status }).toEqual({
      user: person?.displayName,
      location: paths.home,
      status: 200,
    });
    // Their own page, signed in: their name in the header.
    expect(outcome.page).toContain(`Signed in as </span>${person?.displayName}`);
  });
  // And the sessions are those twenty, stored.
  const { rows } = await db.pool.query<{ count: string }>(
    `SELECT count(*) FROM user_sessions WHERE sess->>'userId' = ANY($1)`,
    [people.map((person) => person.id)],
  );
  expect(Number(rows[0]?.count)).toBe(USERS);
});
