import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Express } from 'express';
import supertest from 'supertest';
import { createFileMailer, listStoredEmails } from '../../src/mail/file-mailer.js';
import { pathTo, paths } from '../../src/paths.js';
import { buildTestApp, csrfTokenFrom, signedInAgent, testConfig } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { pdfFile } from '../support/evidence-files.js';
import {
  createFailedEmail,
  createPeriod,
  createReturn,
  frameworkVersion,
  createProviderLead,
  createTwoProviderWorld,
  importTestStandards,
} from '../support/fixtures.js';
import { startTestIdp, type TestIdp } from '../support/idp.js';
import { routesOf } from '../support/routes.js';
import { answerEveryRequirement, answerFields } from './returns-helpers.js';

// Every route of the real app, taken from its router, against every kind of user. A route without a
// line in RULES fails the first test, naming it: decide who may use it before it ships.
//
// The data in the URLs (and in the posted forms) belongs to provider A: provider B's lead must be
// refused (403 or 404) everywhere and change nothing, which the database is checked for.

const ACTORS = ['anonymous', 'viewer', 'leadA', 'contribA', 'leadB', 'manager', 'admin'] as const;
type Actor = (typeof ACTORS)[number];

/*
 * Outcomes:
 *   ok      GET: 2xx, or a redirect that is not to sign-in. POST: got past access control (anything but
 *           a redirect to sign-in, 403 or 404: a 400 for a form that does not fit the data, or a 409
 *           for a return in the wrong state, is still "allowed").
 *   signin  302 to /sign-in
 *   403     forbidden
 *   404     not found (how another provider's data is refused: a lead learns nothing, not even that it exists)
 *   4xx/5xx any other exact status
 * The Entra callback reached without a code starts a new sign-in (a redirect to the identity provider).
 */
const RULES = `
  METHOD  PATH                                                                  anonymous viewer   leadA    contribA leadB    manager  admin
  GET     /health/live                                                          ok        ok       ok       ok       ok       ok       ok
  GET     /health/ready                                                         ok        ok       ok       ok       ok       ok       ok
  GET     /sign-in                                                              ok        ok       ok       ok       ok       ok       ok
  GET     /sign-in/local                                                        ok        ok       ok       ok       ok       ok       ok
  POST    /sign-in/local                                                        ok        ok       ok       ok       ok       ok       ok
  GET     /auth/callback                                                        ok        ok       ok       ok       ok       ok       ok
  POST    /auth/callback                                                        ok        ok       ok       ok       ok       ok       ok
  POST    /sign-out                                                             ok        ok       ok       ok       ok       ok       ok
  GET     /signed-out                                                           ok        ok       ok       ok       ok       ok       ok
  GET     /accessibility                                                        ok        ok       ok       ok       ok       ok       ok
  GET     /                                                                     signin    ok       ok       ok       ok       ok       ok
  # Ways in. Without a token in the URL or form, an email link or an invitation is "not valid" (400).
  GET     /sign-in/microsoft                                                    ok        ok       ok       ok       ok       ok       ok
  GET     /sign-in/email                                                        ok        ok       ok       ok       ok       ok       ok
  POST    /sign-in/email                                                        ok        ok       ok       ok       ok       ok       ok
  GET     /sign-in/email/sent                                                   ok        ok       ok       ok       ok       ok       ok
  GET     /sign-in/email/link                                                   400       400      400      400      400      400      400
  POST    /sign-in/email/link                                                   400       400      400      400      400      400      400
  GET     /invitation                                                           400       400      400      400      400      400      400
  POST    /invitation                                                           400       400      400      400      400      400      400

  GET     /providers                                                            signin    ok       403      403      403      ok       ok
  GET     /providers/new                                                        signin    403      403      403      403      ok       ok
  POST    /providers/new                                                        signin    403      403      403      403      ok       ok
  GET     /providers/:providerId                                                signin    ok       403      403      403      ok       ok
  GET     /providers/:providerId/edit                                           signin    403      403      403      403      ok       ok
  POST    /providers/:providerId/edit                                           signin    403      403      403      403      ok       ok
  GET     /providers/:providerId/deactivate                                     signin    403      403      403      403      ok       ok
  POST    /providers/:providerId/deactivate                                     signin    403      403      403      403      ok       ok
  POST    /providers/:providerId/reactivate                                     signin    403      403      403      403      ok       ok
  GET     /providers/:providerId/contracts/new                                  signin    403      403      403      403      ok       ok
  POST    /providers/:providerId/contracts/new                                  signin    403      403      403      403      ok       ok
  GET     /contracts/:contractId/edit                                           signin    403      403      403      403      ok       ok
  POST    /contracts/:contractId/edit                                           signin    403      403      403      403      ok       ok

  # Register import (issue 15): administrators and contract managers only.
  GET     /imports/register                                                     signin    403      403      403      403      ok       ok
  POST    /imports/register                                                     signin    403      403      403      403      ok       ok
  GET     /imports/register/template.csv                                        signin    403      403      403      403      ok       ok
  GET     /imports/register/template.xlsx                                       signin    403      403      403      403      ok       ok
  GET     /imports/ods                                                          signin    403      403      403      403      ok       ok
  POST    /imports/ods                                                          signin    403      403      403      403      ok       ok
  GET     /imports/register/:importId                                           signin    403      403      403      403      ok       ok
  POST    /imports/register/:importId                                           signin    403      403      403      403      ok       ok
  # A past period's return from a spreadsheet (issue 15): staff who edit the register only. Without a
  # target or an upload waiting, the template and the preview go back to the import page.
  GET     /providers/:providerId/returns/import                                 signin    403      403      403      403      ok       ok
  POST    /providers/:providerId/returns/import                                 signin    403      403      403      403      ok       ok
  GET     /providers/:providerId/returns/import/template.xlsx                   signin    403      403      403      403      ok       ok
  GET     /providers/:providerId/returns/import/preview                         signin    403      403      403      403      ok       ok
  POST    /providers/:providerId/returns/import/preview                         signin    403      403      403      403      ok       ok

  GET     /periods                                                              signin    ok       403      403      403      ok       ok
  GET     /periods/new                                                          signin    403      403      403      403      ok       ok
  POST    /periods/new                                                          signin    403      403      403      403      ok       ok
  GET     /periods/:periodId                                                    signin    ok       403      403      403      ok       ok
  GET     /periods/:periodId/standards/:frameworkId                             signin    403      403      403      403      ok       ok
  POST    /periods/:periodId/standards/:frameworkId                             signin    403      403      403      403      ok       ok
  POST    /periods/:periodId/open                                               signin    403      403      403      403      ok       ok
  GET     /returns/:returnId/extension                                          signin    403      403      403      403      ok       ok
  POST    /returns/:returnId/extension                                          signin    403      403      403      403      ok       ok
  # Who graded an EDS return (issue 14): provider A's people while it is editable; staff cannot change it.
  GET     /returns/:returnId/grading                                            signin    403      ok       ok       404      403      403
  POST    /returns/:returnId/grading                                            signin    403      ok       ok       404      403      403
  # The services an EDS 2022 return assesses in Domain 1 (issue 14): as its answers, provider A's people
  # while it is editable. The service in the URL is one of its own for each actor who may remove it.
  GET     /returns/:returnId/services                                           signin    403      ok       ok       404      403      403
  GET     /returns/:returnId/services/add                                       signin    403      ok       ok       404      403      403
  POST    /returns/:returnId/services/add                                       signin    403      ok       ok       404      403      403
  GET     /returns/:returnId/services/:serviceId/change                         signin    403      ok       ok       404      403      403
  POST    /returns/:returnId/services/:serviceId/change                         signin    403      ok       ok       404      403      403
  GET     /returns/:returnId/services/:serviceId/remove                         signin    403      ok       ok       404      403      403
  POST    /returns/:returnId/services/:serviceId/remove                         signin    403      ok       ok       404      403      403
  # The EDS report of an EDS 2022 return (issue 14): whoever may see the return.
  GET     /returns/:returnId/eds-report                                         signin    ok       ok       ok       404      ok       ok
  GET     /returns/:returnId/eds-report.xlsx                                    signin    ok       ok       ok       404      ok       ok
  # Where and when it was published, when sent to NHS England: the provider's leads, and editors on their behalf.
  GET     /returns/:returnId/eds-report/publication                             signin    403      ok       403      404      ok       ok
  POST    /returns/:returnId/eds-report/publication                             signin    403      ok       403      404      ok       ok
  # Actions (issue 14): provider A's people add or link one from a requirement of an open return;
  # anyone who may see the provider reads it; its people and staff editors record progress.
  GET     /returns/:returnId/requirements/:requirementId/actions                signin    403      ok       ok       404      403      403
  POST    /returns/:returnId/requirements/:requirementId/actions                signin    403      ok       ok       404      403      403
  POST    /returns/:returnId/requirements/:requirementId/actions/link           signin    403      ok       ok       404      403      403
  # The actions list: staff see every provider's, provider people their own (actions-list.test.ts).
  GET     /actions                                                              signin    ok       ok       ok       ok       ok       ok
  GET     /actions/:actionId                                                    signin    ok       ok       ok       404      ok       ok
  POST    /actions/:actionId/updates                                            signin    403      ok       ok       404      ok       ok

  GET     /returns                                                              signin    ok       ok       ok       ok       ok       ok
  GET     /returns/:returnId                                                    signin    ok       ok       ok       404      ok       ok
  GET     /returns/:returnId/requirements/:requirementId                        signin    ok       ok       ok       404      ok       ok
  POST    /returns/:returnId/requirements/:requirementId                        signin    403      ok       ok       404      403      403
  POST    /returns/:returnId/carry-forward                                      signin    403      ok       ok       404      403      403
  GET     /returns/:returnId/check-answers                                      signin    ok       ok       ok       404      ok       ok
  POST    /returns/:returnId/submit                                             signin    403      ok       403      404      403      403
  GET     /returns/:returnId/confirmation                                       signin    ok       ok       ok       404      ok       ok
  GET     /returns/:returnId/history                                            signin    ok       ok       ok       404      ok       ok
  # Returns by spreadsheet (issue 15): staff download and upload on the provider's behalf.
  GET     /returns/:returnId/workbook.xlsx                                      signin    403      ok       ok       404      ok       ok
  GET     /returns/:returnId/workbook/upload                                    signin    403      ok       ok       404      ok       ok
  POST    /returns/:returnId/workbook/upload                                    signin    403      ok       ok       404      ok       ok
  GET     /returns/:returnId/workbook/preview                                   signin    403      ok       ok       404      ok       ok
  POST    /returns/:returnId/workbook/preview                                   signin    403      ok       ok       404      ok       ok

  GET     /returns/:returnId/requirements/:requirementId/evidence               signin    ok       ok       ok       404      ok       ok
  POST    /returns/:returnId/requirements/:requirementId/evidence               signin    403      ok       ok       404      403      403
  POST    /returns/:returnId/requirements/:requirementId/evidence/link          signin    403      ok       ok       404      403      403
  POST    /returns/:returnId/requirements/:requirementId/evidence/:evidenceId/unlink signin    403      ok       ok       404      403      403
  GET     /evidence/:evidenceId/download                                        signin    ok       ok       ok       404      ok       ok

  GET     /review                                                               signin    403      403      403      403      ok       ok
  GET     /returns/:returnId/review                                             signin    ok       403      403      403      ok       ok
  GET     /returns/:returnId/review/requirements/:requirementId                 signin    403      403      403      403      ok       ok
  POST    /returns/:returnId/review/requirements/:requirementId                 signin    403      403      403      403      ok       ok
  POST    /returns/:returnId/review/decision                                    signin    403      403      403      403      ok       ok
  POST    /returns/:returnId/review/accept-unchanged                            signin    403      403      403      403      ok       ok
  GET     /returns/:returnId/review/all                                         signin    403      403      403      403      ok       ok
  POST    /returns/:returnId/review/all                                         signin    403      403      403      403      ok       ok

  GET     /users                                                                signin    403      403      403      403      403      ok
  GET     /users/invite                                                         signin    403      403      403      403      ok       ok
  POST    /users/invite                                                         signin    403      403      403      403      ok       ok
  GET     /users/:userId                                                        signin    403      403      403      403      403      ok
  POST    /users/:userId/role                                                   signin    403      403      403      403      403      ok
  POST    /users/:userId/memberships                                            signin    403      403      403      403      403      ok
  POST    /users/:userId/memberships/:providerId/remove                         signin    403      403      403      403      403      ok
  GET     /users/:userId/deactivate                                             signin    403      403      403      403      403      ok
  POST    /users/:userId/deactivate                                             signin    403      403      403      403      403      ok
  POST    /users/:userId/reactivate                                             signin    403      403      403      403      403      ok
  # A provider's people: its lead invites and removes contributors, staff editors anyone. The person in
  # the URL is a contributor of provider A (a different one for each actor allowed to remove them).
  GET     /people                                                               signin    ok       ok       ok       ok       ok       ok
  GET     /providers/:providerId/people/invite                                  signin    403      ok       403      404      ok       ok
  POST    /providers/:providerId/people/invite                                  signin    403      ok       403      404      ok       ok
  GET     /providers/:providerId/people/:userId/invitation                      signin    403      ok       403      404      ok       ok
  POST    /providers/:providerId/people/:userId/invitation                      signin    403      ok       403      404      ok       ok
  GET     /providers/:providerId/people/:userId/remove                          signin    403      ok       403      404      ok       ok
  POST    /providers/:providerId/people/:userId/remove                          signin    403      ok       403      404      ok       ok
  # Equality publications (issue 17): everyone who may see the provider reads them; its leads and staff
  # editors record; staff editors check. Provider A has a publication recorded for the year in the URL.
  GET     /publications                                                         signin    ok       ok       ok       ok       ok       ok
  GET     /publications/export.csv                                              signin    ok       ok       ok       ok       ok       ok
  GET     /providers/:providerId/publications                                   signin    ok       ok       ok       404      ok       ok
  GET     /providers/:providerId/publications/:obligationCode/:year             signin    403      ok       403      404      ok       ok
  POST    /providers/:providerId/publications/:obligationCode/:year             signin    403      ok       403      404      ok       ok
  POST    /providers/:providerId/publications/:obligationCode/:year/check       signin    403      403      403      404      ok       ok

  # WRES and WDES returns (issue 17): everyone who may see provider A reads them; its people enter the
  # figures, its leads (and staff editors) start returns and its leads submit; staff editors review.
  GET     /providers/:providerId/workforce                                      signin    ok       ok       ok       404      ok       ok
  POST    /providers/:providerId/workforce                                      signin    403      ok       403      404      ok       ok
  GET     /workforce/returns/:returnId                                          signin    ok       ok       ok       404      ok       ok
  GET     /workforce/returns/:returnId/indicators/:indicatorCode                signin    ok       ok       ok       404      ok       ok
  POST    /workforce/returns/:returnId/indicators/:indicatorCode                signin    403      ok       ok       404      403      403
  GET     /workforce/returns/:returnId/check-answers                            signin    ok       ok       ok       404      ok       ok
  POST    /workforce/returns/:returnId/submit                                   signin    403      ok       403      404      403      403
  POST    /workforce/returns/:returnId/review                                   signin    403      403      403      404      ok       ok
  # Their trends (issue 17): a provider's figures over three years for whoever may see the provider;
  # each indicator across providers for staff only.
  GET     /providers/:providerId/workforce/:standard/trends                     signin    ok       ok       ok       404      ok       ok
  GET     /workforce/icb/:standard                                              signin    ok       403      403      403      ok       ok
  GET     /workforce/icb/:standard/indicators/:indicatorCode                    signin    ok       403      403      403      ok       ok

  GET     /matrix                                                               signin    ok       403      403      403      ok       ok
  GET     /matrix/export.csv                                                    signin    ok       403      403      403      ok       ok
  GET     /heatmap                                                              signin    ok       403      403      403      ok       ok
  # Trends: staff see all providers; a provider's people are led to their own provider's trends.
  GET     /trends                                                               signin    ok       ok       ok       ok       ok       ok
  GET     /providers/:providerId/trends                                         signin    ok       ok       ok       404      ok       ok

  GET     /exports                                                              signin    ok       403      403      403      ok       ok
  GET     /exports/requirements                                                 signin    ok       403      403      403      ok       ok
  GET     /exports/pack                                                         signin    ok       ok       ok       ok       ok       ok
  GET     /exports/pack/:providerId                                             signin    ok       ok       ok       404      ok       ok
  GET     /exports/pack/:providerId/download                                    signin    ok       ok       ok       404      ok       ok

  GET     /outbox                                                               signin    403      403      403      403      ok       ok
  POST    /outbox/:emailId/retry                                                signin    403      403      403      403      ok       ok
  # The local mailbox (emails kept as files when no SMTP server is set); never mounted in production.
  GET     /dev/mail                                                             signin    ok       403      403      403      ok       ok
  GET     /dev/mail/:emailId                                                    signin    ok       403      403      403      ok       ok
  GET     /dev/mail/:emailId/html                                               signin    ok       403      403      403      ok       ok
`;

type Outcome = 'ok' | 'signin' | number;

interface Rule {
  key: string;
  method: string;
  path: string;
  expected: Record<Actor, Outcome>;
}

function parseRules(table: string): Map<string, Rule> {
  const rules = new Map<string, Rule>();
  for (const line of table.split('\n')) {
    const cells = line.trim().split(/\s+/);
    if (cells.length < 2 || cells[0] === 'METHOD' || cells[0]?.startsWith('#')) continue;
    const [method = '', path = '', ...outcomes] = cells;
    if (outcomes.length !== ACTORS.length)
      throw new Error(`RULES: ${method} ${path} needs one outcome per actor`);
    const expected = Object.fromEntries(
      ACTORS.map((actor, index) => {
        const token = outcomes[index] ?? '';
        if (token === 'ok' || token === 'signin') return [actor, token];
        if (/^\d{3}$/.test(token)) return [actor, Number(token)];
        throw new Error(`RULES: ${method} ${path}: unknown outcome "${token}"`);
      }),
    ) as Record<Actor, Outcome>;
    const key = `${method} ${path}`;
    if (rules.has(key)) throw new Error(`RULES: ${key} appears twice`);
    rules.set(key, { key, method, path, expected });
  }
  return rules;
}

const RULES_BY_ROUTE = parseRules(RULES);

// ---- The world: provider A's data in every URL ----

const REDIRECT_URL = 'http://127.0.0.1:3999/auth/callback';

type World = Awaited<ReturnType<typeof createTwoProviderWorld>>;

let db: TestDatabase;
let idp: TestIdp;
let dataDir: string;
let app: Express;
let world: World;
let users: Record<Exclude<Actor, 'anonymous'>, string>;
/** A lead of provider A whose account the user pages act on (so the actors' own sessions survive). */
let subjectId: string;
/** Contributors of provider A (invited, not accepted yet) the people pages act on, one per actor. */
let peopleSubjects: Record<Actor, string>;
let evidenceId: string;
let requirementId: string;
let params: Record<string, string>;
let edsReturnId: string;
/** Services of the EDS 2022 return, one per actor (those allowed to remove one remove their own). */
let serviceSubjects: Record<Actor, string>;
/** Provider A's WRES return (the workforce pages' :returnId). */
let workforceReturnId: string;
// Provider A's AIS return of a later period, still open: where actions are added from.
let openReturnId: string;
/** The local mailbox names its emails by file, not by outbox row. */
let mailboxParams: Record<string, string>;

beforeAll(async () => {
  db = await createTestDatabase();
  await importTestStandards(db.prisma);
  world = await createTwoProviderWorld(db.prisma);
  idp = await startTestIdp({ redirectUri: REDIRECT_URL });
  dataDir = await mkdtemp(join(tmpdir(), 'access-matrix-'));
  // Entra configured as in production, and the local sign-in (test only) to sign the actors in.
  const config = testConfig({
    ENTRA_TENANT_ID: idp.tenantId,
    ENTRA_CLIENT_ID: idp.clientId,
    ENTRA_CLIENT_SECRET: idp.clientSecret,
    ENTRA_AUTHORITY: idp.authority,
    ENTRA_REDIRECT_URL: REDIRECT_URL,
    ENTRA_RESPONSE_MODE: 'query',
    DATA_DIR: dataDir,
  });
  app = buildTestApp(db, { config });
  const contributor = async (displayName: string) => {
    const user = await createProviderLead(db.prisma, world.providerA.id, { displayName });
    await db.prisma.membership.update({
      where: { userId_providerId: { userId: user.id, providerId: world.providerA.id } },
      data: { role: 'contributor' },
    });
    return user.id;
  };
  users = {
    viewer: world.viewer.id,
    leadA: world.leadA.id,
    contribA: await contributor('Cleo Contributor-A'),
    leadB: world.leadB.id,
    manager: world.manager.id,
    admin: world.admin.id,
  };
  subjectId = (await createProviderLead(db.prisma, world.providerA.id, { displayName: 'Sam Subject' })).id;
  const sharedSubject = await contributor('Pat Person-A');
  peopleSubjects = {
    anonymous: sharedSubject,
    viewer: sharedSubject,
    leadA: sharedSubject,
    contribA: sharedSubject,
    leadB: sharedSubject,
    manager: await contributor('Max Person-A'),
    admin: await contributor('Ada Person-A'),
  };
  // A period not opened yet (the world's own has returns, so its standards are fixed).
  const period = await createPeriod(db.prisma, `Matrix ${unique()}`);
  await db.prisma.periodStandard.create({
    data: {
      periodId: period.id,
      frameworkId: world.ais.frameworkId,
      frameworkVersionId: world.ais.id,
      dueDate: new Date('2027-03-31'),
    },
  });
  // A chaser about A's return that could not be delivered, and an email in the local mailbox.
  const failedEmail = await createFailedEmail(db.prisma, {
    returnId: world.returnA.id,
    toAddress: world.leadA.email,
  });
  if (config.mail.transport.kind !== 'files') throw new Error('expected the file mailer');
  await createFileMailer(config.mail, config.mail.transport.dir).send({
    messageId: `<matrix-${unique()}@localhost>`,
    to: world.leadA.email,
    cc: [],
    subject: 'Your return is due',
    text: 'Your return is due.',
    html: '<p>Your return is due.</p>',
  });
  const [stored] = await listStoredEmails(config.mail.transport.dir);
  if (!stored) throw new Error('no stored email');
  mailboxParams = { emailId: stored.id };

  // Provider A's return: evidence uploaded by its lead, every requirement answered, then submitted
  // (so the review pages have something to show).
  const [first] = world.returnA.responses;
  if (!first) throw new Error('return A has no responses');
  requirementId = first.requirementId;
  const leadA = await signedInAgent(app, world.leadA.id);
  const evidencePage = pathTo(paths.evidence.upload, { returnId: world.returnA.id, requirementId });
  await leadA
    .post(evidencePage)
    .field('_csrf', csrfTokenFrom((await leadA.get(evidencePage).expect(200)).text))
    .attach('file', pdfFile(), 'Accessible information policy.pdf')
    .expect(302);
  evidenceId = (await db.prisma.evidence.findFirstOrThrow({ where: { providerId: world.providerA.id } })).id;
  await answerEveryRequirement(db.prisma, world.returnA, world.leadA.id);
  const check = pathTo(paths.returns.checkAnswers, { returnId: world.returnA.id });
  await leadA
    .post(pathTo(paths.returns.submit, { returnId: world.returnA.id }))
    .type('form')
    .send({ _csrf: csrfTokenFrom((await leadA.get(check).expect(200)).text), declaration: 'confirmed' })
    .expect(302);

  // Provider A's EDS 2022 return, still being filled in (the grading step exists only for EDS).
  edsReturnId = (
    await createReturn(db.prisma, {
      contractId: world.contractA.id,
      providerId: world.providerA.id,
      frameworkVersionId: (await frameworkVersion(db.prisma, 'EDS', '2022')).id,
      periodId: world.period.id,
    })
  ).id;

  const serviceOf = async (name: string) =>
    (
      await db.prisma.returnService.create({
        data: { returnId: edsReturnId, name, whyChosen: 'For the access matrix', position: 10 },
      })
    ).id;
  const sharedService = await serviceOf('Matrix shared service');
  serviceSubjects = {
    anonymous: sharedService,
    viewer: sharedService,
    leadA: await serviceOf('Matrix service of lead A'),
    contribA: await serviceOf('Matrix service of contributor A'),
    leadB: sharedService,
    manager: sharedService,
    admin: sharedService,
  };

  workforceReturnId = (
    await db.prisma.workforceReturn.create({
      data: {
        providerId: world.providerA.id,
        standardCode: 'WRES',
        standardVersion: '2025',
        year: 2025,
        createdById: world.leadA.id,
      },
    })
  ).id;
  openReturnId = (
    await createReturn(db.prisma, {
      contractId: world.contractA.id,
      providerId: world.providerA.id,
      frameworkVersionId: world.ais.id,
      periodId: (await createPeriod(db.prisma, `Matrix open ${unique()}`)).id,
    })
  ).id;
  const action = await db.prisma.action.create({
    data: {
      providerId: world.providerA.id,
      description: 'Train reception staff',
      owner: 'Practice manager',
      dueDate: new Date('2027-06-30'),
      links: { create: { requirementId, returnId: world.returnA.id } },
    },
  });

  params = {
    actionId: action.id,
    providerId: world.providerA.id,
    contractId: world.contractA.id,
    periodId: period.id,
    frameworkId: world.ais.frameworkId,
    returnId: world.returnA.id,
    requirementId,
    evidenceId,
    userId: subjectId,
    emailId: failedEmail.id,
    importId: (
      await db.prisma.registerImport.create({
        data: {
          kind: 'register',
          createdById: world.manager.id,
          fileName: 'register.csv',
          fileSha256: '0'.repeat(64),
          rows: { rows: [], ignoredColumns: [] },
        },
      })
    ).id,
    obligationCode: 'modern-slavery-statement',
    year: '2026',
    indicatorCode: '2',
    standard: 'wres',
  };
  await db.prisma.publication.create({
    data: {
      providerId: world.providerA.id,
      obligationCode: 'modern-slavery-statement',
      obligationVersion: 1,
      year: 2026,
      status: 'published',
      url: 'https://www.example.nhs.uk/modern-slavery',
      publishedOn: new Date('2026-09-01'),
      recordedById: world.leadA.id,
      recordedAt: new Date(),
    },
  });
});
afterAll(async () => {
  await idp.close();
  await db.drop();
  await rm(dataDir, { recursive: true, force: true });
});

/** The route's URL with provider A's ids in it. */
function urlOf(path: string, actor: Actor): string {
  const values = path.startsWith(paths.mailbox.list)
    ? { ...params, ...mailboxParams }
    : path === paths.returns.grading || path.startsWith(paths.returns.edsReport)
      ? { ...params, returnId: edsReturnId }
      : path.startsWith(paths.returns.services)
        ? { ...params, returnId: edsReturnId, serviceId: serviceSubjects[actor] }
        : path.startsWith('/workforce/returns/')
          ? { ...params, returnId: workforceReturnId }
          : path === paths.actions.add || path === paths.actions.link
            ? { ...params, returnId: openReturnId }
            : path.startsWith('/providers/:providerId/people/:userId')
              ? { ...params, userId: peopleSubjects[actor] }
              : params;
  return path.replace(/:([A-Za-z]+)/g, (_match, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`No value for :${name} (${path}): add one to params`);
    return encodeURIComponent(value);
  });
}

// ---- Bodies: what a browser of the page would post (valid where the data decides), else empty ----

type Body = { kind: 'form'; fields: Record<string, string | string[]> } | { kind: 'upload' };

const form = (fields: Record<string, string | string[]> = {}): Body => ({ kind: 'form', fields });
const unique = () => randomBytes(3).toString('hex').toUpperCase();

function bodyFor(key: string, actor: Actor): Body {
  const bodies: Record<string, () => Body> = {
    'POST /sign-in/local': () => form({ userId: actor === 'anonymous' ? world.viewer.id : users[actor] }),
    'POST /providers/new': () =>
      form({ name: `Matrix Trust ${unique()}`, odsCode: `M${unique()}`, type: 'hospice' }),
    'POST /providers/:providerId/edit': () =>
      form({ name: world.providerA.name, odsCode: world.providerA.odsCode, type: world.providerA.type }),
    'POST /contracts/:contractId/edit': () =>
      form({
        reference: world.contractA.reference,
        'startDate-day': '1',
        'startDate-month': '4',
        'startDate-year': '2025',
        contractManagerId: world.manager.id,
        standards: [world.ais.frameworkId],
      }),
    'POST /periods/:periodId/standards/:frameworkId': () =>
      form({
        frameworkVersionId: world.ais.id,
        'dueDate-day': '31',
        'dueDate-month': '3',
        'dueDate-year': '2027',
      }),
    'POST /returns/:returnId/extension': () =>
      form({
        'dueDate-day': '30',
        'dueDate-month': '4',
        'dueDate-year': '2027',
        reason: 'Agreed at the contract meeting',
      }),
    'POST /returns/:returnId/grading': () =>
      form({
        'firstDate-day': '12',
        'firstDate-month': '1',
        'firstDate-year': '2027',
        groups: ['staff-networks', 'trade-unions'],
        howAgreed: 'By consensus at the panel',
      }),
    'POST /returns/:returnId/services/add': () =>
      form({ name: `Matrix added ${unique()}`, whyChosen: 'Added by the access matrix' }),
    'POST /returns/:returnId/services/:serviceId/change': () =>
      form({ name: `Matrix renamed ${unique()}`, whyChosen: 'Changed by the access matrix' }),
    'POST /returns/:returnId/eds-report/publication': () =>
      form({
        url: 'https://www.alpha.nhs.uk/eds',
        'publishedOn-day': '1',
        'publishedOn-month': '12',
        'publishedOn-year': '2026',
      }),
    'POST /returns/:returnId/requirements/:requirementId': () =>
      form({ ...answerFields({ narrative: 'Written by someone else', action: 'draft' }), version: '1' }),
    'POST /returns/:returnId/submit': () => form({ declaration: 'confirmed' }),
    'POST /returns/:returnId/requirements/:requirementId/actions': () =>
      form({
        description: 'Added by the access matrix',
        owner: 'Matrix owner',
        'dueDate-day': '30',
        'dueDate-month': '9',
        'dueDate-year': '2027',
      }),
    'POST /returns/:returnId/requirements/:requirementId/actions/link': () =>
      form({ actionId: params.actionId ?? '' }),
    'POST /actions/:actionId/updates': () =>
      form({ text: 'Progress from the access matrix', status: 'unchanged' }),
    'POST /imports/register/:importId': () => form({ fingerprint: '0'.repeat(64) }),
    'POST /returns/:returnId/requirements/:requirementId/evidence': () => ({ kind: 'upload' }),
    'POST /providers/:providerId/returns/import': () => ({ kind: 'upload' }),
    'POST /returns/:returnId/requirements/:requirementId/evidence/link': () => form({ evidenceId }),
    'POST /returns/:returnId/review/requirements/:requirementId': () =>
      form({ decision: 'returned', reason: 'Returned by the access matrix' }),
    'POST /returns/:returnId/review/decision': () => form({ decision: 'accept' }),
    'POST /returns/:returnId/review/accept-unchanged': () => form(),
    'POST /returns/:returnId/review/all': () => form(),
    'POST /sign-in/email': () => form({ email: `matrix-${unique().toLowerCase()}@example.org` }),
    'POST /providers/:providerId/people/invite': () =>
      form({
        email: `matrix-person-${unique().toLowerCase()}@example.org`,
        role: 'contributor',
        signInMethod: 'email_link',
      }),
    'POST /users/invite': () =>
      form({
        email: `matrix-${unique().toLowerCase()}@example.org`,
        providerId: world.providerA.id,
        signInMethod: 'microsoft',
      }),
    'POST /users/:userId/role': () => form({ role: 'provider_lead' }),
    'POST /providers/:providerId/publications/:obligationCode/:year': () =>
      form({
        url: 'www.example.nhs.uk/modern-slavery',
        'publishedOn-day': '1',
        'publishedOn-month': '9',
        'publishedOn-year': '2026',
      }),
    'POST /users/:userId/memberships': () => form({ providerId: world.providerB.id }),
    'POST /providers/:providerId/workforce': () => form({ standard: 'WDES', year: '2025' }),
    'POST /workforce/returns/:returnId/indicators/:indicatorCode': () =>
      form({ 'white-outOf': '300', 'white-events': '45', 'bme-outOf': '150', 'bme-events': '12' }),
    'POST /workforce/returns/:returnId/review': () => form({ decision: 'accepted' }),
  };
  return bodies[key]?.() ?? form();
}

// ---- Requests ----

type Agent = ReturnType<typeof supertest.agent>;

async function agentFor(actor: Actor): Promise<Agent> {
  return actor === 'anonymous' ? supertest.agent(app) : signedInAgent(app, users[actor]);
}

/** A valid CSRF token of the agent's own session (the local sign-in page shows one to anyone). */
async function tokenOf(agent: Agent): Promise<string> {
  return csrfTokenFrom((await agent.get(paths.localSignIn).expect(200)).text);
}

async function send(agent: Agent, rule: Rule, actor: Actor): Promise<supertest.Response> {
  const url = urlOf(rule.path, actor);
  if (rule.method === 'GET') return agent.get(url);
  const body = bodyFor(rule.key, actor);
  const token = await tokenOf(agent);
  if (body.kind === 'upload') {
    return agent.post(url).field('_csrf', token).attach('file', pdfFile(), 'Not yours.pdf');
  }
  return agent
    .post(url)
    .type('form')
    .send({ _csrf: token, ...body.fields });
}

function outcomeMatches(expected: Outcome, method: string, response: supertest.Response): boolean {
  const toSignIn = response.status === 302 && response.headers.location === paths.signIn;
  if (expected === 'signin') return toSignIn;
  if (typeof expected === 'number') return response.status === expected;
  if (toSignIn || response.status === 403 || response.status === 404) return false;
  return method === 'GET' ? response.status < 400 : response.status < 500;
}

function describeResponse(response: supertest.Response): string {
  const location = response.headers.location;
  return location ? `${response.status} -> ${location}` : String(response.status);
}

/** Everything of provider A a request could change (and the users and outbox, shared by all). */
async function snapshotOfProviderA() {
  const providerId = world.providerA.id;
  const returnIds = (await db.prisma.return.findMany({ where: { providerId }, select: { id: true } })).map(
    (row) => row.id,
  );
  const submissionIds = (
    await db.prisma.returnSubmission.findMany({
      where: { returnId: { in: returnIds } },
      select: { id: true },
    })
  ).map((row) => row.id);
  return {
    provider: await db.prisma.provider.findUnique({ where: { id: providerId } }),
    contracts: await db.prisma.contract.findMany({
      where: { providerId },
      include: { standards: { orderBy: { frameworkId: 'asc' } } },
      orderBy: { id: 'asc' },
    }),
    returns: await db.prisma.return.findMany({ where: { providerId }, orderBy: { id: 'asc' } }),
    responses: await db.prisma.response.findMany({
      where: { returnId: { in: returnIds } },
      orderBy: { id: 'asc' },
    }),
    services: await db.prisma.returnService.findMany({
      where: { returnId: { in: returnIds } },
      orderBy: { id: 'asc' },
    }),
    evidence: await db.prisma.evidence.findMany({ where: { providerId }, orderBy: { id: 'asc' } }),
    publications: await db.prisma.publication.findMany({ where: { providerId }, orderBy: { id: 'asc' } }),
    workforceReturns: await db.prisma.workforceReturn.findMany({
      where: { providerId },
      include: {
        answers: { orderBy: { indicatorCode: 'asc' } },
        submissions: { orderBy: { sequence: 'asc' } },
      },
      orderBy: { id: 'asc' },
    }),
    evidenceLinks: await db.prisma.evidenceLink.findMany({
      where: { response: { returnId: { in: returnIds } } },
      orderBy: [{ evidenceId: 'asc' }, { responseId: 'asc' }],
    }),
    submissions: submissionIds.length,
    returnReviews: await db.prisma.returnReview.count({ where: { submissionId: { in: submissionIds } } }),
    requirementReviews: await db.prisma.requirementReview.count({
      where: { submissionId: { in: submissionIds } },
    }),
    periods: await db.prisma.reportingPeriod.findMany({
      include: { standards: true },
      orderBy: { id: 'asc' },
    }),
    memberships: await db.prisma.membership.findMany({
      where: { providerId },
      orderBy: { userId: 'asc' },
    }),
    users: await db.prisma.user.findMany({
      select: { id: true, email: true, role: true, active: true },
      orderBy: { id: 'asc' },
    }),
    // Sign-ins are audited too, and actors sign in (and ask for links, or bring none) during the test.
    auditEvents: await db.prisma.auditEvent.count({
      where: { action: { notIn: ['user.signed_in', 'email_link.not_sent', 'email_link.refused'] } },
    }),
    outboxEmails: await db.prisma.outboxEmail.findMany({ orderBy: { id: 'asc' } }),
  };
}

// ---- The tests ----

test('every route of the app has an access rule, and every rule a route', () => {
  const routes = routesOf(app);
  expect(routes.length).toBeGreaterThan(40);
  const unruled = routes.filter((route) => !RULES_BY_ROUTE.has(route));
  const stale = [...RULES_BY_ROUTE.keys()].filter((key) => !routes.includes(key));
  expect({
    'routes without a rule (add a line to RULES in tests/integration/access-matrix.test.ts)': unruled,
    'rules for routes that no longer exist': stale,
  }).toEqual({
    'routes without a rule (add a line to RULES in tests/integration/access-matrix.test.ts)': [],
    'rules for routes that no longer exist': [],
  });
});

test('every page answers each kind of user as the rules say', async () => {
  const agents = Object.fromEntries(
    await Promise.all(ACTORS.map(async (actor) => [actor, await agentFor(actor)] as const)),
  ) as Record<Actor, Agent>;
  const mismatches: string[] = [];
  for (const rule of [...RULES_BY_ROUTE.values()].filter((candidate) => candidate.method === 'GET')) {
    for (const actor of ACTORS) {
      const response = await send(agents[actor], rule, actor);
      if (!outcomeMatches(rule.expected[actor], 'GET', response)) {
        mismatches.push(
          `${rule.key} as ${actor}: expected ${rule.expected[actor]}, got ${describeResponse(response)}`,
        );
      }
    }
  }
  expect(mismatches).toEqual([]);
});

test('every form answers each kind of user as the rules say; the refused change nothing of provider A', async () => {
  const postRules = [...RULES_BY_ROUTE.values()].filter((rule) => rule.method !== 'GET');
  const mismatches: string[] = [];
  const check = async (rule: Rule, actor: Actor) => {
    // A fresh session for each form: signing in or out must not change who the next request is.
    const response = await send(await agentFor(actor), rule, actor);
    if (!outcomeMatches(rule.expected[actor], rule.method, response)) {
      mismatches.push(
        `${rule.key} as ${actor}: expected ${rule.expected[actor]}, got ${describeResponse(response)}`,
      );
    }
  };

  // First those who may not change provider A's data: after each of lead B's posts, nothing changed.
  const untouched = await snapshotOfProviderA();
  for (const rule of postRules) {
    for (const actor of ['anonymous', 'viewer'] as const) await check(rule, actor);
    await check(rule, 'leadB');
    const after = await snapshotOfProviderA();
    if (JSON.stringify(after) !== JSON.stringify(untouched))
      mismatches.push(`${rule.key} as leadB changed provider A's data`);
    expect({ route: rule.key, state: after }).toEqual({ route: rule.key, state: untouched });
  }
  // Then those who may: their posts may change things, so they come last.
  for (const rule of postRules) {
    for (const actor of ['contribA', 'leadA', 'manager', 'admin'] as const) await check(rule, actor);
  }
  expect(mismatches).toEqual([]);
  // Seven kinds of user, a fresh session each, on every form: longer than Jest's default on a busy machine.
}, 180_000);

test('static assets and health probes need no sign-in', async () => {
  const anonymous = supertest(app);
  await anonymous.get(`${paths.assets.app}/css/app.css`).expect(200);
  const page = await anonymous.get(paths.localSignIn).expect(200);
  const nhsCss = /href="(\/assets\/nhsuk\/[^"]+\.css)"/.exec(page.text)?.[1];
  expect(nhsCss).toBeDefined();
  await anonymous.get(nhsCss ?? '').expect(200);
  await anonymous.get(paths.health.live).expect(200);
});

test("provider B's lead cannot reach provider A's data through a form field either", async () => {
  const leadB = await signedInAgent(app, world.leadB.id);
  const [firstOfB] = world.returnB.responses;
  if (!firstOfB) throw new Error('return B has no responses');
  const before = await snapshotOfProviderA();
  const linksOfB = () =>
    db.prisma.evidenceLink.count({ where: { response: { returnId: world.returnB.id } } });
  const linkedBefore = await linksOfB();
  // A's evidence named in a form on B's own return.
  const link = await leadB
    .post(pathTo(paths.evidence.link, { returnId: world.returnB.id, requirementId: firstOfB.requirementId }))
    .type('form')
    .send({ _csrf: await tokenOf(leadB), evidenceId });
  expect([400, 404]).toContain(link.status);
  expect(await linksOfB()).toBe(linkedBefore);
  // A's evidence through B's return in the URL.
  const unlink = await leadB
    .post(
      pathTo(paths.evidence.unlink, {
        returnId: world.returnB.id,
        requirementId: firstOfB.requirementId,
        evidenceId,
      }),
    )
    .type('form')
    .send({ _csrf: await tokenOf(leadB) });
  expect([302, 404]).toContain(unlink.status);
  // A's action named in the link form on B's own return (issue 14): refused, nothing linked.
  const linkAction = await leadB
    .post(pathTo(paths.actions.link, { returnId: world.returnB.id, requirementId: firstOfB.requirementId }))
    .type('form')
    .send({ _csrf: await tokenOf(leadB), actionId: params.actionId });
  expect([400, 404, 409]).toContain(linkAction.status);
  expect(await db.prisma.actionLink.count({ where: { returnId: world.returnB.id } })).toBe(0);
  // A requirement of A's return paired with B's return id changes only B's own return, if anything.
  expect(await snapshotOfProviderA()).toEqual(before);
});
