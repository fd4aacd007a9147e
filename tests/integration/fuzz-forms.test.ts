import { randomUUID } from 'node:crypto';
import ejs from 'ejs';
import ExcelJS from 'exceljs';
import { parse as parseCsv } from 'csv-parse/sync';
import fc from 'fast-check';
import supertest from 'supertest';
import { enqueueChasers } from '../../src/reminders/enqueue.service.js';
import { pathTo, paths } from '../../src/paths.js';
import { buildTestApp, csrfTokenFrom, signedInAgent, testConfig, type Agent } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import {
  createContract,
  createFailedEmail,
  createPeriod,
  createProvider,
  createProviderLead,
  createReturn,
  createTwoProviderWorld,
  frameworkVersion,
  importTestStandards,
} from '../support/fixtures.js';
import { answerReturn, submitReturn } from '../support/review-fixtures.js';
import { routesOf } from '../support/routes.js';
import { addEvidence, formVersion, requirementsInOrder } from './returns-helpers.js';

// Hostile input into every form of the app, GET and POST, by someone allowed to use it, with a
// valid CSRF token: never a 500, never the payload back as markup, and whatever is saved shows
// escaped on every page, export and email that shows it (CSV cells guarded against formulas).
// The list of POST forms is checked against the app's own router: a new form cannot be forgotten.

type App = ReturnType<typeof buildTestApp>;
type World = Awaited<ReturnType<typeof createTwoProviderWorld>>;

/** Script that must never reach a page as markup, whatever field or route it went in through. */
const MARKUP = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "'><svg onload=alert(1)>",
  '</textarea><script>alert(1)</script>',
];
/** Spreadsheet formulas, template syntax, invisible and awkward characters, very long text. */
const NASTY = [
  ...MARKUP,
  '=HYPERLINK("https://evil.example","Click")',
  "+cmd|' /C calc'!A0",
  '@SUM(1)',
  '-1+1',
  '\t=1+1',
  '\r=1+1',
  'nul\u0000byte',
  'right\u202Eto-left',
  '{{constructor}}',
  '${process.exit()}',
  '<%= process.exit() %>',
  '__proto__',
  '&amp; &lt;',
  '\uFEFFbom and \u200Bzero width',
  'Ünïcödé 🏥👩🏽‍⚕️ עברית',
  'line\r\nbreak',
  'x'.repeat(12_000),
];
/** Field names that trip up code treating a body as a plain object. */
const HOSTILE_FIELD_NAMES = ['__proto__', 'constructor', 'prototype', '{{constructor}}', 'toString', 'a[b]'];

const payloadArbitrary = fc.oneof(
  fc.constantFrom(...NASTY),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc
    .tuple(
      fc.string({ unit: 'grapheme', maxLength: 8 }),
      fc.constantFrom(...NASTY),
      fc.string({ unit: 'grapheme', maxLength: 8 }),
    )
    .map((parts) => parts.join('')),
);

const RUNS = 15;

let db: TestDatabase;
let app: App;
let world: World;
const agents = {} as Record<'leadA' | 'manager' | 'admin' | 'anonymous', { agent: Agent; token: string }>;

/** Asserts that no hostile markup came back unescaped. */
function expectNoMarkup(html: string): void {
  for (const markup of MARKUP) expect(html).not.toContain(markup.replace(/^["']>/, ''));
}

/** A page has no hostile markup; a CSV download no cell a spreadsheet would run as a formula. */
function expectSafeBody(response: supertest.Response): void {
  if (String(response.headers['content-type']).startsWith('text/csv')) guardedCsvCells(response.text);
  else expectNoMarkup(response.text);
}

/** Asserts that a value shown on a page is there, escaped. */
function expectShownEscaped(html: string, value: string): void {
  expectNoMarkup(html);
  expect(html).toContain(ejs.escapeXML(value));
}

function formBody(fields: readonly (readonly [string, string])[]): string {
  const body = new URLSearchParams();
  for (const [name, value] of fields) body.append(name, value);
  return body.toString();
}

async function post(
  who: keyof typeof agents,
  url: string,
  fields: Record<string, string | string[]>,
  extra: readonly [string, string][] = [],
): Promise<supertest.Response> {
  const { agent, token } = agents[who];
  const entries: [string, string][] = [['_csrf', token]];
  for (const [name, value] of Object.entries(fields)) {
    for (const one of Array.isArray(value) ? value : [value]) entries.push([name, one]);
  }
  return agent
    .post(url)
    .type('form')
    .send(formBody([...entries, ...extra]));
}

const dateFields = (name: string, date: { day: string; month: string; year: string }) => ({
  [`${name}-day`]: date.day,
  [`${name}-month`]: date.month,
  [`${name}-year`]: date.year,
});

interface PostForm {
  who: keyof typeof agents;
  url: () => string;
  /** What the page's form would post when filled in properly. */
  fields: () => Record<string, string | string[]>;
  /** The fields the page shows again, as typed, when it refuses the form (400). */
  echoed: readonly string[];
}

// Ids the forms act on, made in beforeAll. Forms that change state act on things of their own, so
// one form's success (a deactivation, a submission) cannot change what another form sees.
const ids = {} as Record<
  | 'edsReturn'
  | 'spareProvider'
  | 'spareContract'
  | 'draftPeriod'
  | 'submitReturn'
  | 'reviewReturn'
  | 'decisionReturn'
  | 'requirement'
  | 'evidence'
  | 'action'
  | 'spareUser'
  | 'email'
  | 'registerImport'
  | 'workforceReturn'
  | 'workforceSubmitted'
  | 'servicesReturn'
  | 'service',
  string
>;

const FORMS: Record<string, PostForm> = {
  'POST /sign-in/local': {
    who: 'anonymous',
    url: () => paths.localSignIn,
    fields: () => ({ userId: randomUUID() }),
    echoed: [],
  },
  'POST /providers/new': {
    who: 'manager',
    url: () => paths.providers.new,
    fields: () => ({
      name: 'Fuzzed Provider',
      odsCode: 'FZ1',
      type: 'care_home',
      sector: 'care_home',
      website: 'www.fuzzed.example.com',
    }),
    echoed: ['name', 'odsCode', 'website'],
  },
  'POST /providers/:providerId/edit': {
    who: 'manager',
    url: () => pathTo(paths.providers.edit, { providerId: ids.spareProvider }),
    fields: () => ({
      name: 'Spare Provider',
      odsCode: 'SPARE1',
      type: 'care_home',
      sector: 'care_home',
      website: 'www.spare.example.com',
    }),
    echoed: ['name', 'odsCode', 'website'],
  },
  'POST /providers/:providerId/deactivate': {
    who: 'manager',
    url: () => pathTo(paths.providers.deactivate, { providerId: ids.spareProvider }),
    fields: () => ({}),
    echoed: [],
  },
  'POST /providers/:providerId/reactivate': {
    who: 'manager',
    url: () => pathTo(paths.providers.reactivate, { providerId: ids.spareProvider }),
    fields: () => ({}),
    echoed: [],
  },
  'POST /providers/:providerId/contracts/new': {
    who: 'manager',
    url: () => pathTo(paths.contracts.new, { providerId: ids.spareProvider }),
    fields: () => ({
      reference: 'ICB-FUZZ-1',
      ...dateFields('startDate', { day: '1', month: '4', year: '2026' }),
      ...dateFields('endDate', { day: '', month: '', year: '' }),
      contractManagerId: world.manager.id,
      standards: [world.ais.frameworkId],
    }),
    echoed: ['reference'],
  },
  'POST /contracts/:contractId/edit': {
    who: 'manager',
    url: () => pathTo(paths.contracts.edit, { contractId: ids.spareContract }),
    fields: () => ({
      reference: 'ICB-FUZZ-2',
      ...dateFields('startDate', { day: '1', month: '4', year: '2026' }),
      ...dateFields('endDate', { day: '', month: '', year: '' }),
      contractManagerId: world.manager.id,
      standards: [world.ais.frameworkId],
    }),
    echoed: ['reference'],
  },
  'POST /periods/new': {
    who: 'manager',
    url: () => paths.periods.new,
    fields: () => ({ label: '2090/91' }),
    echoed: ['label'],
  },
  'POST /periods/:periodId/standards/:frameworkId': {
    who: 'manager',
    url: () =>
      pathTo(paths.periods.editStandard, { periodId: ids.draftPeriod, frameworkId: world.ais.frameworkId }),
    fields: () => ({
      frameworkVersionId: world.ais.id,
      ...dateFields('dueDate', { day: '31', month: '3', year: '2027' }),
    }),
    echoed: [],
  },
  'POST /periods/:periodId/open': {
    who: 'manager',
    url: () => pathTo(paths.periods.open, { periodId: ids.draftPeriod }),
    fields: () => ({}),
    echoed: [],
  },
  'POST /returns/:returnId/extension': {
    who: 'manager',
    url: () => pathTo(paths.returns.extension, { returnId: world.returnA.id }),
    fields: () => ({
      ...dateFields('dueDate', { day: '30', month: '4', year: '2027' }),
      reason: 'Agreed at the contract meeting',
    }),
    echoed: ['reason'],
  },
  'POST /returns/:returnId/grading': {
    who: 'leadA',
    url: () => pathTo(paths.returns.grading, { returnId: ids.edsReturn }),
    fields: () => ({
      ...dateFields('firstDate', { day: '12', month: '1', year: '2027' }),
      ...dateFields('lastDate', { day: '', month: '', year: '' }),
      groups: 'staff-networks',
      howAgreed: 'By consensus',
      dissent: '',
    }),
    echoed: ['howAgreed', 'dissent'],
  },
  'POST /returns/:returnId/services/add': {
    who: 'leadA',
    url: () => pathTo(paths.returns.serviceAdd, { returnId: ids.servicesReturn }),
    fields: () => ({ name: `Service ${String(Math.random()).slice(2, 10)}`, whyChosen: 'Waits differ' }),
    echoed: ['name', 'whyChosen'],
  },
  'POST /returns/:returnId/services/:serviceId/change': {
    who: 'leadA',
    url: () => pathTo(paths.returns.serviceChange, { returnId: ids.servicesReturn, serviceId: ids.service }),
    fields: () => ({ name: 'Maternity', whyChosen: 'Complaints rose' }),
    echoed: ['name', 'whyChosen'],
  },
  'POST /returns/:returnId/eds-report/publication': {
    who: 'leadA',
    url: () => pathTo(paths.returns.edsReportPublication, { returnId: ids.edsReturn }),
    fields: () => ({
      url: 'https://www.example.nhs.uk/eds',
      ...dateFields('publishedOn', { day: '1', month: '9', year: '2026' }),
      ...dateFields('sentOn', { day: '', month: '', year: '' }),
    }),
    echoed: ['url'],
  },
  'POST /returns/:returnId/requirements/:requirementId': {
    who: 'leadA',
    url: () =>
      pathTo(paths.returns.requirement, { returnId: world.returnA.id, requirementId: ids.requirement }),
    // Version 0 against a saved answer is a conflict (409): the form is shown again, also escaped.
    fields: () => ({
      rating: '',
      narrative: 'Narrative',
      version: '0',
      action: 'draft',
    }),
    echoed: ['narrative'],
  },
  'POST /returns/:returnId/requirements/:requirementId/actions': {
    who: 'leadA',
    url: () => pathTo(paths.actions.add, { returnId: world.returnA.id, requirementId: ids.requirement }),
    fields: () => ({
      description: 'Train reception staff',
      owner: 'Head of patient experience',
      ...dateFields('dueDate', { day: '30', month: '9', year: '2027' }),
    }),
    echoed: ['description', 'owner'],
  },
  'POST /returns/:returnId/requirements/:requirementId/actions/link': {
    who: 'leadA',
    url: () => pathTo(paths.actions.link, { returnId: world.returnA.id, requirementId: ids.requirement }),
    fields: () => ({ actionId: ids.action }),
    echoed: [],
  },
  'POST /actions/:actionId/updates': {
    who: 'leadA',
    url: () => pathTo(paths.actions.update, { actionId: ids.action }),
    fields: () => ({ text: 'Half the staff trained', status: 'in_progress' }),
    echoed: ['text'],
  },
  'POST /returns/:returnId/carry-forward': {
    who: 'leadA',
    url: () => pathTo(paths.returns.carryForward, { returnId: world.returnA.id }),
    fields: () => ({}),
    echoed: [],
  },
  'POST /returns/:returnId/submit': {
    who: 'leadA',
    // An unanswered return: the declaration is checked, but the return can never be submitted.
    url: () => pathTo(paths.returns.submit, { returnId: ids.submitReturn }),
    fields: () => ({ declaration: 'confirmed' }),
    echoed: [],
  },
  'POST /returns/:returnId/requirements/:requirementId/evidence/link': {
    who: 'leadA',
    url: () => pathTo(paths.evidence.link, { returnId: world.returnA.id, requirementId: ids.requirement }),
    fields: () => ({ evidenceId: ids.evidence }),
    echoed: [],
  },
  'POST /returns/:returnId/requirements/:requirementId/evidence/:evidenceId/unlink': {
    who: 'leadA',
    url: () =>
      pathTo(paths.evidence.unlink, {
        returnId: world.returnA.id,
        requirementId: ids.requirement,
        evidenceId: ids.evidence,
      }),
    fields: () => ({ returnTo: 'requirement' }),
    echoed: [],
  },
  'POST /returns/:returnId/review/requirements/:requirementId': {
    who: 'manager',
    url: () =>
      pathTo(paths.review.requirement, { returnId: ids.reviewReturn, requirementId: ids.requirement }),
    fields: () => ({ decision: 'returned', reason: 'Please add evidence' }),
    echoed: ['reason'],
  },
  'POST /returns/:returnId/review/all': {
    who: 'manager',
    url: () => pathTo(paths.review.all, { returnId: ids.reviewReturn }),
    fields: () => ({
      [`decision-${ids.requirement}`]: 'returned',
      [`reason-${ids.requirement}`]: 'Please add evidence',
    }),
    echoed: [],
  },
  'POST /returns/:returnId/review/decision': {
    who: 'manager',
    // No requirement decided yet: neither accepting nor returning can succeed, so the form is
    // refused (and shown again) every time.
    url: () => pathTo(paths.review.decide, { returnId: ids.decisionReturn }),
    fields: () => ({
      decision: 'return',
      ...dateFields('newDueDate', { day: '30', month: '6', year: '2027' }),
      comment: 'Please look again',
    }),
    echoed: ['comment'],
  },
  'POST /users/invite': {
    who: 'manager',
    url: () => paths.users.invite,
    fields: () => ({
      email: '',
      displayName: 'Invited Person',
      providerId: world.providerA.id,
      signInMethod: 'microsoft',
    }),
    echoed: ['email', 'displayName'],
  },
  'POST /sign-in/email': {
    who: 'anonymous',
    url: () => paths.emailSignIn.request,
    fields: () => ({ email: 'nobody@example.org' }),
    echoed: ['email'],
  },
  'POST /sign-in/email/link': {
    who: 'anonymous',
    url: () => paths.emailSignIn.link,
    fields: () => ({ token: 'not-a-token-anyone-was-sent' }),
    echoed: [],
  },
  'POST /invitation': {
    who: 'anonymous',
    url: () => paths.invitation,
    fields: () => ({ token: 'not-a-token-anyone-was-sent' }),
    echoed: [],
  },
  'POST /providers/:providerId/people/invite': {
    who: 'leadA',
    url: () => pathTo(paths.people.invite, { providerId: world.providerA.id }),
    // No address: the form is refused and shown again every time.
    fields: () => ({
      email: '',
      displayName: 'Fuzzed Person',
      role: 'contributor',
      signInMethod: 'email_link',
    }),
    echoed: ['email', 'displayName'],
  },
  'POST /providers/:providerId/people/:userId/invitation': {
    who: 'manager',
    url: () => pathTo(paths.people.resend, { providerId: world.providerA.id, userId: ids.spareUser }),
    fields: () => ({}),
    echoed: [],
  },
  'POST /users/:userId/role': {
    who: 'admin',
    url: () => pathTo(paths.users.role, { userId: ids.spareUser }),
    fields: () => ({ role: 'provider_lead' }),
    echoed: [],
  },
  'POST /users/:userId/memberships': {
    who: 'admin',
    url: () => pathTo(paths.users.addMembership, { userId: ids.spareUser }),
    fields: () => ({ providerId: world.providerB.id }),
    echoed: [],
  },
  'POST /users/:userId/memberships/:providerId/remove': {
    who: 'admin',
    url: () =>
      pathTo(paths.users.removeMembership, { userId: ids.spareUser, providerId: world.providerB.id }),
    fields: () => ({}),
    echoed: [],
  },
  'POST /users/:userId/deactivate': {
    who: 'admin',
    url: () => pathTo(paths.users.deactivate, { userId: ids.spareUser }),
    fields: () => ({}),
    echoed: [],
  },
  'POST /users/:userId/reactivate': {
    who: 'admin',
    url: () => pathTo(paths.users.reactivate, { userId: ids.spareUser }),
    fields: () => ({}),
    echoed: [],
  },
  'POST /imports/register/:importId': {
    who: 'manager',
    url: () => pathTo(paths.imports.registerShow, { importId: ids.registerImport }),
    fields: () => ({ fingerprint: '0'.repeat(64) }),
    echoed: [],
  },
  'POST /outbox/:emailId/retry': {
    who: 'manager',
    url: () => pathTo(paths.outbox.retry, { emailId: ids.email }),
    fields: () => ({}),
    echoed: [],
  },
  'POST /providers/:providerId/publications/:obligationCode/:year': {
    who: 'leadA',
    url: () =>
      pathTo(paths.publications.record, {
        providerId: world.providerA.id,
        obligationCode: 'wres-report',
        year: '2026',
      }),
    fields: () => ({
      url: 'www.example.nhs.uk/wres',
      ...dateFields('publishedOn', { day: '1', month: '9', year: '2026' }),
    }),
    echoed: ['url'],
  },
  'POST /providers/:providerId/workforce': {
    who: 'leadA',
    url: () => pathTo(paths.workforce.provider, { providerId: world.providerA.id }),
    // The first valid post starts the return; later ones are refused (already started) and shown again.
    fields: () => ({ standard: 'WDES', year: '2025' }),
    echoed: [],
  },
  'POST /workforce/returns/:returnId/indicators/:indicatorCode': {
    who: 'leadA',
    url: () => pathTo(paths.workforce.entry, { returnId: ids.workforceReturn, indicatorCode: '2' }),
    fields: () => ({ 'white-outOf': '300', 'white-events': '45', 'bme-outOf': '150', 'bme-events': '12' }),
    echoed: ['white-outOf', 'white-events', 'bme-outOf', 'bme-events'],
  },
  'POST /workforce/returns/:returnId/submit': {
    who: 'leadA',
    // Only indicator 2 entered: the submission is refused (and the check page shown) every time.
    url: () => pathTo(paths.workforce.submit, { returnId: ids.workforceReturn }),
    fields: () => ({}),
    echoed: [],
  },
  'POST /workforce/returns/:returnId/review': {
    who: 'manager',
    url: () => pathTo(paths.workforce.review, { returnId: ids.workforceSubmitted }),
    fields: () => ({ decision: 'returned', reason: 'Please look again at indicator 2' }),
    echoed: ['reason'],
  },
};

/** POST routes not fuzzed here, each with the reason and where it is covered instead. */
const NOT_FUZZED: Record<string, string> = {
  'POST /sign-out': 'no fields; ends the session of whoever posts it (CSRF: hostile-requests.test.ts)',
  'POST /returns/:returnId/review/accept-unchanged':
    'no fields; what it accepts is in review-decisions.test.ts (CSRF: hostile-requests.test.ts)',
  'POST /returns/:returnId/requirements/:requirementId/evidence':
    'multipart upload: hostile files and names in hostile-uploads.test.ts and evidence.test.ts',
  'POST /imports/register':
    'multipart upload: refused files, bad rows and formula-looking cells in register-import.test.ts',
  'POST /imports/ods': 'multipart upload: refused files and choices in register-import.test.ts',
  'POST /returns/:returnId/workbook/upload':
    'multipart upload: refused workbooks (other return, other provider, changed token, unknown rating, not xlsx) in return-workbook.test.ts',
  'POST /returns/:returnId/workbook/preview':
    'its only fields are one choice per conflicting requirement of an upload waiting in the session: missing and chosen choices in return-workbook.test.ts; without an upload it saves nothing and redirects',
  'POST /providers/:providerId/returns/import':
    'multipart upload with one choice (period and standard): refused targets and workbooks in return-history-import.test.ts',
  'POST /providers/:providerId/returns/import/preview':
    'no fields; records the past return waiting in the session (return-history-import.test.ts); without one it saves nothing and redirects',
  'POST /providers/:providerId/people/:userId/remove':
    'no fields; removes the person it names (people.test.ts, access-matrix.test.ts; CSRF: hostile-requests.test.ts)',
  'POST /returns/:returnId/services/:serviceId/remove':
    'no fields; removes the service it names (return-services.test.ts, access-matrix.test.ts; CSRF: hostile-requests.test.ts)',
  'POST /providers/:providerId/publications/:obligationCode/:year/check':
    'no fields; marks the publication it names checked (publications.test.ts, access-matrix.test.ts)',
};

/** The GET forms (filters, export choices, notices after a change): their query strings are fuzzed too. */
const GET_FORMS: Record<string, { who: keyof typeof agents; url: () => string; fields: readonly string[] }> =
  {
    matrix: {
      who: 'manager',
      url: () => paths.matrix.show,
      fields: ['q', 'period', 'type', 'manager', 'standard', 'state', 'overdue', 'sort', 'order'],
    },
    returns: {
      who: 'leadA',
      url: () => paths.returns.list,
      fields: ['period', 'standard', 'state', 'due', 'mine', 'sort', 'page'],
    },
    'matrix CSV': { who: 'manager', url: () => paths.matrix.export, fields: ['q', 'sort', 'period'] },
    heatmap: { who: 'manager', url: () => paths.heatmap, fields: ['period', 'standard'] },
    trends: { who: 'manager', url: () => paths.trends, fields: ['provider'] },
    'requirement export': {
      who: 'manager',
      url: () => paths.exports.requirements,
      fields: ['periodId', 'frameworkId', 'providerId', 'format'],
    },
    'pack choice': { who: 'leadA', url: () => paths.exports.packChoose, fields: ['providerId', 'periodId'] },
    pack: {
      who: 'leadA',
      url: () => pathTo(paths.exports.pack, { providerId: world.providerA.id }),
      fields: ['periodId'],
    },
    'user invite page': { who: 'manager', url: () => paths.users.invite, fields: ['providerId', 'done'] },
    'user page': {
      who: 'admin',
      url: () => pathTo(paths.users.show, { userId: world.leadA.id }),
      fields: ['done'],
    },
    'evidence page': {
      who: 'leadA',
      url: () =>
        pathTo(paths.evidence.upload, { returnId: world.returnA.id, requirementId: ids.requirement }),
      fields: ['done'],
    },
    outbox: { who: 'manager', url: () => paths.outbox.list, fields: ['retried'] },
    'register import preview': {
      who: 'manager',
      url: () => pathTo(paths.imports.registerShow, { importId: ids.registerImport }),
      fields: ['done'],
    },
    'people page': { who: 'leadA', url: () => paths.people.mine, fields: ['done'] },
    'provider page': {
      who: 'manager',
      url: () => pathTo(paths.providers.show, { providerId: world.providerA.id }),
      fields: ['done'],
    },
    'email sign-in link': { who: 'anonymous', url: () => paths.emailSignIn.link, fields: ['token'] },
    'equality publications': { who: 'manager', url: () => paths.publications.overview, fields: ['year'] },
    'equality publications CSV': { who: 'leadA', url: () => paths.publications.export, fields: ['year'] },
    "a provider's publications": {
      who: 'leadA',
      url: () => pathTo(paths.publications.provider, { providerId: world.providerA.id }),
      fields: ['year', 'done'],
    },
    'invitation link': { who: 'anonymous', url: () => paths.invitation, fields: ['token'] },
  };

beforeAll(async () => {
  db = await createTestDatabase();
  await importTestStandards(db.prisma);
  world = await createTwoProviderWorld(db.prisma);
  app = buildTestApp(db);
  for (const [who, userId] of [
    ['leadA', world.leadA.id],
    ['manager', world.manager.id],
    ['admin', world.admin.id],
  ] as const) {
    const agent = await signedInAgent(app, userId);
    agents[who] = { agent, token: csrfTokenFrom((await agent.get(paths.home).expect(200)).text) };
  }
  const anonymous = supertest.agent(app);
  agents.anonymous = {
    agent: anonymous,
    token: csrfTokenFrom((await anonymous.get(paths.localSignIn).expect(200)).text),
  };

  const [first] = world.returnA.responses;
  if (!first) throw new Error('return A has no responses');
  ids.requirement = first.requirementId;
  const spare = await createProvider(db.prisma, { name: 'Spare Provider', odsCode: 'SPARE1' });
  ids.spareProvider = spare.id;
  ids.spareContract = (await createContract(db.prisma, spare.id, world.manager.id)).id;
  ids.draftPeriod = (await createPeriod(db.prisma, 'Fuzz draft')).id;
  ids.spareUser = (await createProviderLead(db.prisma, world.providerA.id)).id;
  ids.registerImport = (
    await db.prisma.registerImport.create({
      data: {
        kind: 'register',
        createdById: world.manager.id,
        fileName: 'register.csv',
        fileSha256: '0'.repeat(64),
        rows: { rows: [], ignoredColumns: [] },
      },
    })
  ).id;
  ids.evidence = (
    await addEvidence(db.prisma, {
      providerId: world.providerA.id,
      responseId: first.id,
      userId: world.leadA.id,
      fileName: 'Policy.txt',
    })
  ).id;
  ids.action = (
    await db.prisma.action.create({
      data: {
        providerId: world.providerA.id,
        description: 'Audit records',
        owner: 'Records team',
        dueDate: new Date('2027-06-30'),
      },
    })
  ).id;
  ids.submitReturn = (await returnOfA('Fuzz submit')).id;
  ids.edsReturn = (
    await createReturn(db.prisma, {
      contractId: world.contractA.id,
      providerId: world.providerA.id,
      frameworkVersionId: (await frameworkVersion(db.prisma, 'EDS', '2022')).id,
      periodId: (await createPeriod(db.prisma, 'Fuzz grading')).id,
    })
  ).id;
  // An EDS 2022 return of its own for the services forms: a new return starts with "All services".
  ids.servicesReturn = (
    await createReturn(db.prisma, {
      contractId: world.contractA.id,
      providerId: world.providerA.id,
      frameworkVersionId: (await frameworkVersion(db.prisma, 'EDS', '2022')).id,
      periodId: (await createPeriod(db.prisma, 'Fuzz services')).id,
    })
  ).id;
  ids.service = (
    await db.prisma.returnService.findFirstOrThrow({ where: { returnId: ids.servicesReturn } })
  ).id;
  for (const key of ['reviewReturn', 'decisionReturn'] as const) {
    const row = await returnOfA(`Fuzz ${key}`);
    await answerReturn(db.prisma, row.id, world.leadA.id);
    await submitReturn(db.prisma, row.id, world.leadA.id);
    ids[key] = row.id;
  }
  ids.email = (
    await createFailedEmail(db.prisma, { returnId: world.returnA.id, toAddress: world.leadA.email })
  ).id;
  const workforceReturn = (year: number, status: 'in_progress' | 'submitted') =>
    db.prisma.workforceReturn.create({
      data: {
        providerId: world.providerA.id,
        standardCode: 'WRES',
        standardVersion: '2025',
        year,
        status,
        createdById: world.leadA.id,
      },
    });
  ids.workforceReturn = (await workforceReturn(2024, 'in_progress')).id;
  ids.workforceSubmitted = (await workforceReturn(2023, 'submitted')).id;
  await db.prisma.workforceSubmission.create({
    data: {
      returnId: ids.workforceSubmitted,
      sequence: 1,
      submittedById: world.leadA.id,
      submittedAt: new Date(),
      snapshot: {},
      snapshotSha256: '0'.repeat(64),
    },
  });
});
afterAll(async () => {
  await db.drop();
});

/** A new AIS 2025 return of provider A, in a period of its own. */
async function returnOfA(label: string) {
  const period = await createPeriod(db.prisma, label);
  return createReturn(db.prisma, {
    contractId: world.contractA.id,
    providerId: world.providerA.id,
    frameworkVersionId: world.ais.id,
    periodId: period.id,
  });
}

test('every POST route of the app is fuzzed here, or listed with the reason it is not', () => {
  const posts = routesOf(app).filter((route) => route.startsWith('POST '));
  const known = new Set([...Object.keys(FORMS), ...Object.keys(NOT_FUZZED)]);
  expect({
    'POST routes neither fuzzed nor excused': posts.filter((route) => !known.has(route)),
    'entries for routes that do not exist': [...known].filter((route) => !posts.includes(route)),
  }).toEqual({ 'POST routes neither fuzzed nor excused': [], 'entries for routes that do not exist': [] });
});

describe.each(Object.entries(FORMS))('%s', (_route, form) => {
  test('hostile values in any field: never a 500, never markup, typed text shown again escaped', async () => {
    const base = form.fields();
    const fieldArbitrary = fc.constantFrom(...Object.keys(base), ...HOSTILE_FIELD_NAMES);
    await fc.assert(
      fc.asyncProperty(fieldArbitrary, payloadArbitrary, async (field, payload) => {
        const fields = { ...base };
        const extra: [string, string][] = [];
        if (field in base) fields[field] = payload;
        else extra.push([field, payload]);
        const response = await post(form.who, form.url(), fields, extra);
        expect(response.status).toBeLessThan(500);
        expectNoMarkup(response.text);
        if (response.status === 400 && form.echoed.includes(field)) {
          // Shown as typed (or as kept: trimmed, without NUL), escaped.
          const shown = [payload, payload.trim(), kept(payload)].map((value) => ejs.escapeXML(value));
          expect(shown.some((value) => response.text.includes(value))).toBe(true);
        }
      }),
      { numRuns: RUNS },
    );
  });
  test('each field with a NUL byte, markup or very long text: never a 500, never markup', async () => {
    const base = form.fields();
    for (const field of Object.keys(base)) {
      for (const payload of ['nul\u0000byte', MARKUP[1] ?? '', 'x'.repeat(12_000)]) {
        const response = await post(form.who, form.url(), { ...base, [field]: payload });
        expect({ field, payload, status: response.status }).toEqual({
          field,
          payload,
          status: response.status < 500 ? response.status : 'not a 5xx',
        });
        expectSafeBody(response);
      }
    }
  });
});

describe.each(Object.entries(GET_FORMS))('GET form: %s', (_name, form) => {
  test('hostile query values: never a 500, never markup', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...form.fields, ...HOSTILE_FIELD_NAMES),
        payloadArbitrary,
        async (field, payload) => {
          const query = new URLSearchParams([[field, payload]]).toString();
          const response = await agents[form.who].agent.get(`${form.url()}?${query}`);
          expect(response.status).toBeLessThan(500);
          expectSafeBody(response);
        },
      ),
      { numRuns: RUNS },
    );
  });

  test('each field with a NUL byte, markup or very long text: never a 500, never markup', async () => {
    for (const field of form.fields) {
      for (const payload of ['nul\u0000byte', MARKUP[0] ?? '', 'x'.repeat(12_000)]) {
        const query = new URLSearchParams([[field, payload]]).toString();
        const response = await agents[form.who].agent.get(`${form.url()}?${query}`);
        expect({ field, payload, status: response.status }).toEqual({
          field,
          payload,
          status: response.status < 500 ? response.status : 'not a 5xx',
        });
        expectSafeBody(response);
      }
    }
  });
});

// ---- Saved hostile text, shown back everywhere it appears ----

/** Every hostile value short enough for every text field (action owners take 200 characters). */
const SAVED = NASTY.filter((value) => value.length <= 200 && value.trim() !== '');
/** What a spreadsheet would run as a formula (OWASP's list, with tab and carriage return). */
const FORMULA_START = /^[=+\-@\t\r]/;
const BLANK_DATE = { day: '', month: '', year: '' };
/** What is kept of a typed value: NUL characters dropped (PostgreSQL text cannot hold them), trimmed. */
const kept = (value: string) => value.replaceAll('\u0000', '').trim();

const asCsvCell = (value: string) => (FORMULA_START.test(value) ? `'${value}` : value);

/** Parses a CSV download and checks that no cell would be run as a formula. */
function guardedCsvCells(text: string): string[] {
  const rows: string[][] = parseCsv(text, { bom: true, relax_column_count: true });
  const cells = rows.flat();
  expect(cells.filter((cell) => FORMULA_START.test(cell))).toEqual([]);
  return cells;
}

function binary(res: supertest.Response, callback: (error: Error | null, body: Buffer) => void) {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => callback(null, Buffer.concat(chunks)));
}

/** Loads a workbook download and checks that every cell is a value, never a formula; gives its text. */
async function workbookTexts(agent: Agent, url: string): Promise<string[]> {
  const response = await agent.get(url).buffer(true).parse(binary).expect(200);
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(response.body as ArrayBuffer);
  const texts: string[] = [];
  const formulas: string[] = [];
  workbook.eachSheet((sheet) => {
    sheet.eachRow((row) => {
      row.eachCell((cell) => {
        if (cell.type === ExcelJS.ValueType.Formula) formulas.push(cell.address);
        if (typeof cell.value === 'string') texts.push(cell.value);
      });
    });
  });
  expect(formulas).toEqual([]);
  return texts;
}

async function page(who: keyof typeof agents, url: string): Promise<string> {
  const html = (await agents[who].agent.get(url).expect(200)).text;
  expectNoMarkup(html);
  return html;
}

const exportUrl = (periodId: string, format: 'csv' | 'xlsx') =>
  `${paths.exports.requirements}?${new URLSearchParams({ periodId, providerId: world.providerA.id, format }).toString()}`;
const packUrl = (pattern: string, periodId: string) =>
  `${pathTo(pattern, { providerId: world.providerA.id })}?periodId=${periodId}`;

describe('hostile text saved through the forms is shown escaped wherever it appears', () => {
  test('answers: the requirement page, check answers, the pack, and the CSV and XLSX exports', async () => {
    const row = await returnOfA('Stored answers');
    const requirements = await requirementsInOrder(db.prisma, world.ais.id);
    const stored: string[] = [];
    // Markup last: with more values than requirements, the last saves are the ones left to show.
    const values = [...SAVED.filter((value) => !MARKUP.includes(value)), ...MARKUP];
    for (const [index, value] of values.entries()) {
      const requirement = requirements[index % requirements.length];
      if (!requirement) throw new Error('no requirements');
      const url = pathTo(paths.returns.requirement, { returnId: row.id, requirementId: requirement.id });
      const version = formVersion(await page('leadA', url));
      const saved = await post('leadA', url, {
        rating: '',
        narrative: value,
        version,
        action: 'draft',
      });
      expect({ value, status: saved.status }).toEqual({ value, status: 302 });
      const answer = await db.prisma.response.findFirstOrThrow({
        where: { returnId: row.id, requirementId: requirement.id },
      });
      expect(answer.narrative).toBe(kept(value));
      stored.push(answer.narrative);
      expectShownEscaped(await page('leadA', url), answer.narrative);
    }

    const shownEverywhere = [
      await page('leadA', pathTo(paths.returns.checkAnswers, { returnId: row.id })),
      await page('leadA', packUrl(paths.exports.pack, row.periodId)),
      await page('manager', packUrl(paths.exports.pack, row.periodId)),
    ];
    for (const html of shownEverywhere) {
      for (const markup of MARKUP) expectShownEscaped(html, markup);
    }
    await page('leadA', pathTo(paths.returns.show, { returnId: row.id }));

    const csv = await agents.manager.agent.get(exportUrl(row.periodId, 'csv')).expect(200);
    const cells = guardedCsvCells(csv.text);
    for (const value of stored.slice(-requirements.length)) expect(cells).toContain(asCsvCell(value));
    const texts = await workbookTexts(agents.manager.agent, exportUrl(row.periodId, 'xlsx'));
    // Text as typed. Left out: carriage returns (XML reads them as line feeds) and entity-like text
    // (exceljs's reader decodes "&amp;amp;" twice; the file itself holds the text exactly).
    for (const value of stored.slice(-requirements.length).filter((text) => !/[\r&]/.test(text))) {
      expect(texts).toContain(value);
    }
    await workbookTexts(agents.leadA.agent, packUrl(paths.exports.packDownload, row.periodId));
  });

  test('review reasons and the overall comment: review pages, the lead’s pages, history, pack and CSV', async () => {
    const row = await returnOfA('Stored review');
    await answerReturn(db.prisma, row.id, world.leadA.id);
    await submitReturn(db.prisma, row.id, world.leadA.id);
    const requirements = await requirementsInOrder(db.prisma, world.ais.id);
    for (const [index, requirement] of requirements.entries()) {
      const reason = SAVED[index];
      const url = pathTo(paths.review.requirement, { returnId: row.id, requirementId: requirement.id });
      const decided = await post(
        'manager',
        url,
        reason === undefined ? { decision: 'accepted' } : { decision: 'returned', reason },
      );
      expect({ reason, status: decided.status }).toEqual({ reason, status: 302 });
      if (reason !== undefined) expectShownEscaped(await page('manager', url), kept(reason));
    }
    const comment = MARKUP.join(' ');
    const returned = await post('manager', pathTo(paths.review.decide, { returnId: row.id }), {
      decision: 'return',
      ...dateFields('newDueDate', { day: '30', month: '6', year: '2027' }),
      comment,
    });
    expect(returned.status).toBe(302);

    for (const markup of MARKUP) {
      expectShownEscaped(await page('manager', pathTo(paths.review.show, { returnId: row.id })), markup);
      expectShownEscaped(await page('leadA', pathTo(paths.returns.show, { returnId: row.id })), markup);
      expectShownEscaped(await page('leadA', packUrl(paths.exports.pack, row.periodId)), markup);
    }
    await page('leadA', pathTo(paths.returns.history, { returnId: row.id }));
    const [first] = requirements;
    if (!first) throw new Error('no requirements');
    expectShownEscaped(
      await page('leadA', pathTo(paths.returns.requirement, { returnId: row.id, requirementId: first.id })),
      MARKUP[0] ?? '',
    );
    const cells = guardedCsvCells((await agents.manager.agent.get(exportUrl(row.periodId, 'csv'))).text);
    for (const reason of SAVED.slice(0, requirements.length))
      expect(cells).toContain(asCsvCell(kept(reason)));
  });

  test('names, references, reasons and file names: pages, the matrix CSV and the chaser emails', async () => {
    const providerName = '=HYPERLINK("https://evil.example","Click") <script>alert(1)</script> Trust';
    // References are unique, and the fuzzing above may have saved this one already.
    const reference = `"><img src=x onerror=alert(1)> ${randomUUID().slice(0, 8)}`;
    const leadName = "'><svg onload=alert(1)> Lead";
    const reason = '</textarea><script>alert(1)</script>';
    // No slash: a path would be cut off the name (file-name.ts), leaving nothing hostile to show.
    const fileName = '<img src=x onerror=alert(1)>.pdf';

    const saves = [
      await post('manager', pathTo(paths.providers.edit, { providerId: world.providerA.id }), {
        name: providerName,
        odsCode: world.providerA.odsCode,
        type: world.providerA.type,
        sector: 'nhs_trust',
      }),
      await post('manager', pathTo(paths.contracts.edit, { contractId: world.contractA.id }), {
        reference,
        ...dateFields('startDate', { day: '1', month: '4', year: '2025' }),
        ...dateFields('endDate', BLANK_DATE),
        contractManagerId: world.manager.id,
        standards: (await db.prisma.framework.findMany()).map((framework) => framework.id),
      }),
      await post('manager', paths.users.invite, {
        email: `hostile.${randomUUID()}@example.nhs.uk`,
        displayName: leadName,
        providerId: world.providerA.id,
        signInMethod: 'microsoft',
      }),
      await post('manager', pathTo(paths.returns.extension, { returnId: world.returnA.id }), {
        ...dateFields('dueDate', { day: '31', month: '12', year: '2027' }),
        reason,
      }),
    ];
    // Any refusal names its problems (from the error summary) in the failure message.
    const problems = (response: supertest.Response) =>
      [...response.text.matchAll(/<a href="#[^"]*">([^<]*)<\/a>/g)].map((match) => match[1]);
    expect(saves.map((response) => [response.status, problems(response)])).toEqual(
      saves.map(() => [302, []]),
    );
    const evidencePage = pathTo(paths.evidence.upload, {
      returnId: world.returnA.id,
      requirementId: ids.requirement,
    });
    await agents.leadA.agent
      .post(evidencePage)
      .field('_csrf', agents.leadA.token)
      .attach('file', Buffer.from(`%PDF-1.4\n% ${randomUUID()}\n%%EOF\n`), fileName)
      .expect(302);

    const shows = (html: string, value: string) => expectShownEscaped(html, value);
    shows(await page('manager', paths.providers.list), providerName);
    const providerPage = await page(
      'manager',
      pathTo(paths.providers.show, { providerId: world.providerA.id }),
    );
    shows(providerPage, providerName);
    shows(providerPage, reference);
    shows(await page('manager', `${paths.matrix.show}?period=${world.period.id}`), providerName);
    await page('manager', paths.heatmap);
    await page('manager', paths.trends);
    await page('manager', paths.review.queue);
    shows(await page('admin', paths.users.list), leadName);
    shows(await page('leadA', paths.home), providerName);
    shows(await page('leadA', paths.returns.list), providerName);
    shows(await page('leadA', pathTo(paths.returns.show, { returnId: world.returnA.id })), providerName);
    shows(await page('leadA', pathTo(paths.returns.history, { returnId: world.returnA.id })), reason);
    shows(await page('leadA', evidencePage), fileName);
    shows(await page('leadA', packUrl(paths.exports.pack, world.period.id)), fileName);

    const matrixCsv = await agents.manager.agent.get(`${paths.matrix.export}?period=${world.period.id}`);
    expect(guardedCsvCells(matrixCsv.text)).toContain(`'${providerName}`);

    // The chasers written on the due date name the provider and greet each lead by name.
    const { dueDate } = await db.prisma.return.findUniqueOrThrow({ where: { id: world.returnA.id } });
    await enqueueChasers(
      { prisma: db.prisma, config: testConfig() },
      new Date(dueDate.getTime() + 7 * 3_600_000),
    );
    const emails = await db.prisma.outboxEmail.findMany({
      where: { returnId: world.returnA.id, idempotencyKey: { startsWith: 'chaser:' } },
    });
    expect(emails.length).toBeGreaterThan(0);
    for (const email of emails) {
      expectNoMarkup(email.htmlBody);
      expect(email.htmlBody).toContain('&lt;script&gt;alert(1)&lt;/script&gt; Trust');
    }
    expect(emails.some((email) => email.htmlBody.includes('&#39;&gt;&lt;svg onload=alert(1)&gt; Lead'))).toBe(
      true,
    );
  });
});
