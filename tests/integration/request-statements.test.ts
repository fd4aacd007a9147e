import { createSessionStore } from '../../src/middleware/session.js';
import { pathTo, paths } from '../../src/paths.js';
import { buildTestApp, csrfTokenFrom, signedInAgent } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { pdfFile } from '../support/evidence-files.js';
import { createTwoProviderWorld, importTestStandards } from '../support/fixtures.js';
import { statementsDuring } from '../support/statements.js';
import { answerFields, formVersion, freshReturns, requirementPath, returnPath } from './returns-helpers.js';

// A busy server spends most of its time on round trips to PostgreSQL, so a provider lead's requests
// (the bulk of the return season's traffic) are held to the statements they need. The limits are
// what the requests make now: a change to them is made on purpose, here.

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  await importTestStandards(db.prisma);
});

afterAll(async () => {
  await db.drop();
});

test("a lead's pages, saves and uploads stay within their statements, reading the standard once", async () => {
  const world = await createTwoProviderWorld(db.prisma);
  const { returnA } = await freshReturns(db.prisma, world);
  // The session's expiry is written at sign-in and, with the store's clock stopped, never again.
  const app = buildTestApp(db, { sessionStore: createSessionStore(db.pool, () => new Date(0)) });
  const lead = await signedInAgent(app, world.leadA.id);
  const [first, second] = await db.prisma.requirement.findMany({
    where: { frameworkVersionId: world.ais.id },
    orderBy: { code: 'asc' },
    take: 2,
  });
  if (!first || !second) throw new Error('the test standard has fewer than two requirements');
  await lead.get(returnPath(returnA.id)).expect(200); // the standard is read here, once

  let form = '';
  const requirementPage = await statementsDuring(async () => {
    form = (await lead.get(requirementPath(returnA.id, first.id)).expect(200)).text;
  });
  const save = await statementsDuring(() =>
    lead
      .post(requirementPath(returnA.id, first.id))
      .type('form')
      .send({
        _csrf: csrfTokenFrom(form),
        version: formVersion(form),
        ...answerFields({ narrative: 'Large print on request', action: 'draft' }),
      })
      .expect(302),
  );
  const returnPage = await statementsDuring(() => lead.get(returnPath(returnA.id)).expect(200));
  const evidencePath = pathTo(paths.evidence.upload, { returnId: returnA.id, requirementId: second.id });
  const evidencePage = (await lead.get(evidencePath).expect(200)).text;
  const upload = await statementsDuring(() =>
    lead
      .post(evidencePath)
      .field('_csrf', csrfTokenFrom(evidencePage))
      .attach('file', pdfFile(), 'policy.pdf')
      .expect(302),
  );

  const all = { requirementPage, save, returnPage, upload };
  expect(
    Object.values(all)
      .flat()
      .filter((text) => text.includes('"requirement_groups"')),
  ).toEqual([]);
  // The requirement page reads its linked and carried actions (issue 14): one statement more. A save
  // reads the return's services only where its standard answers per service (not AIS, here).
  expect({
    requirementPage: requirementPage.length,
    save: save.length,
    returnPage: returnPage.length,
    upload: upload.length,
  }).toEqual({ requirementPage: 7, save: 11, returnPage: 6, upload: 14 });
});
