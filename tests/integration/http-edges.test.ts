import type { Writable } from 'node:stream';
import supertest from 'supertest';
import { createLogger } from '../../src/logger.js';
import { pathTo, paths } from '../../src/paths.js';
import { NARRATIVE_MAX } from '../../src/returns/schemas.js';
import { buildTestApp, csrfTokenFrom, signedInAgent } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { createTwoProviderWorld, importTestStandards } from '../support/fixtures.js';
import { answerFields, formVersion } from './returns-helpers.js';

// The edges of HTTP: what browsers may keep, bodies the parser refuses, OPTIONS. Each answer is a
// page in the NHS style or a plain status, never a 500.

let db: TestDatabase;
let world: Awaited<ReturnType<typeof createTwoProviderWorld>>;
const logLines: { level: number; msg: string; status?: number; type?: string }[] = [];
let app: ReturnType<typeof buildTestApp>;
beforeAll(async () => {
  db = await createTestDatabase();
  await importTestStandards(db.prisma);
  world = await createTwoProviderWorld(db.prisma);
  const destination = {
    write: (line: string) => logLines.push(JSON.parse(line) as (typeof logLines)[number]),
  } as unknown as Writable;
  app = buildTestApp(db, { logger: createLogger('info', destination) });
});
afterAll(async () => {
  await db.drop();
});

const WARN = 40;

describe('what browsers may keep', () => {
  test('every page a signed-in user sees is sent with Cache-Control: no-store', async () => {
    const [first] = world.returnA.responses;
    if (!first) throw new Error('return A has no responses');
    const lead = await signedInAgent(app, world.leadA.id);
    const manager = await signedInAgent(app, world.manager.id);
    const pages: [string, supertest.Agent][] = [
      [paths.home, lead],
      [pathTo(paths.returns.show, { returnId: world.returnA.id }), lead],
      [
        pathTo(paths.returns.requirement, { returnId: world.returnA.id, requirementId: first.requirementId }),
        lead,
      ],
      [
        pathTo(paths.evidence.upload, { returnId: world.returnA.id, requirementId: first.requirementId }),
        lead,
      ],
      [paths.matrix.show, manager],
      [paths.providers.list, manager],
    ];
    for (const [page, agent] of pages) {
      const response = await agent.get(page).expect(200);
      expect({ page, cacheControl: response.headers['cache-control'] }).toEqual({
        page,
        cacheControl: 'no-store',
      });
    }
  });

  test('after signing out, the same addresses give nothing but the way to sign in', async () => {
    const lead = await signedInAgent(app, world.leadA.id);
    const returnPage = pathTo(paths.returns.show, { returnId: world.returnA.id });
    await lead.get(returnPage).expect(200);
    const token = csrfTokenFrom((await lead.get(paths.home).expect(200)).text);
    await lead.post(paths.signOut).type('form').send({ _csrf: token }).expect(302);
    const after = await lead.get(returnPage).expect(302);
    expect(after.headers.location).toBe(paths.signIn);
  });
});

describe('bodies the parser refuses: an NHS page, a warning in the log, never a 500', () => {
  async function refused(
    post: (agent: supertest.Agent, token: string) => supertest.Test,
    status: number,
    heading: string,
  ) {
    const manager = await signedInAgent(app, world.manager.id);
    const token = csrfTokenFrom((await manager.get(paths.providers.new).expect(200)).text);
    const before = await db.prisma.provider.count();
    logLines.length = 0;
    const response = await post(manager, token);
    expect(response.status).toBe(status);
    expect(response.text).toContain(`<h1>${heading}</h1>`);
    expect(response.text).toContain('Nothing was saved.');
    expect(response.text).toContain('class="nhsuk-header');
    expect(logLines.filter((line) => line.level >= WARN)).toEqual([
      expect.objectContaining({ level: WARN, msg: 'request body refused', status }),
    ]);
    expect(await db.prisma.provider.count()).toBe(before);
  }
  const form = (agent: supertest.Agent) =>
    agent.post(paths.providers.new).set('Content-Type', 'application/x-www-form-urlencoded');

  test('a form over the size limit: 413', async () => {
    await refused(
      (agent, token) => form(agent).send(`_csrf=${token}&name=${'x'.repeat(300 * 1024)}`),
      413,
      'The form was too large to send',
    );
  });

  test('too many fields: 413', async () => {
    const fields = Array.from({ length: 1001 }, (_unused, index) => `f${String(index)}=1`).join('&');
    await refused(
      (agent, token) => form(agent).send(`_csrf=${token}&${fields}`),
      413,
      'The form was too large to send',
    );
  });

  test('a character set other than UTF-8 or Latin-1: 415', async () => {
    await refused(
      (agent, token) =>
        agent
          .post(paths.providers.new)
          .set('Content-Type', 'application/x-www-form-urlencoded; charset=koi8-r')
          .send(`_csrf=${token}&name=x`),
      415,
      'The form could not be read',
    );
  });

  test('a compressed body: 415, never inflated', async () => {
    await refused(
      (agent, token) => form(agent).set('Content-Encoding', 'gzip').send(`_csrf=${token}&name=x`),
      415,
      'The form could not be read',
    );
  });
});

test('the longest answer the form allows is accepted, in characters of any UTF-8 length', async () => {
  const [, second] = world.returnA.responses;
  if (!second) throw new Error('return A has too few responses');
  const lead = await signedInAgent(app, world.leadA.id);
  const page = pathTo(paths.returns.requirement, {
    returnId: world.returnA.id,
    requirementId: second.requirementId,
  });
  const html = (await lead.get(page).expect(200)).text;
  // Curly quotes take 3 bytes of UTF-8 each (9 once percent-encoded); an emoji takes 4 for 2 characters.
  const narrative = '’'.repeat(NARRATIVE_MAX - 2) + '😀';
  const response = await lead
    .post(page)
    .type('form')
    .send({
      _csrf: csrfTokenFrom(html),
      ...answerFields({ narrative, action: 'draft' }),
      version: formVersion(html),
    });
  expect(response.status).toBe(302);
  const saved = await db.prisma.response.findFirstOrThrow({
    where: { returnId: world.returnA.id, requirementId: second.requirementId },
  });
  expect(saved).toMatchObject({ narrative });
});

test('OPTIONS gets the same answer for every address, listing no routes', async () => {
  const anonymous = supertest(app);
  const lead = await signedInAgent(app, world.leadA.id);
  const addresses = [
    paths.home,
    pathTo(paths.returns.show, { returnId: world.returnA.id }),
    paths.users.list,
    paths.localSignIn,
    '/no-such-page',
  ];
  for (const agent of [anonymous, lead]) {
    for (const address of addresses) {
      const response = await agent.options(address);
      expect({
        address,
        status: response.status,
        allow: response.headers.allow,
        body: response.text,
      }).toEqual({
        address,
        status: 204,
        allow: 'GET, HEAD, POST',
        body: '',
      });
    }
  }
});
