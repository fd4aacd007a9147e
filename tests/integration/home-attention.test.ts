import { paths } from '../../src/paths.js';
import { buildTestApp, signedInAgent } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import {
  createContract,
  createFailedEmail,
  createPeriod,
  createProvider,
  createReturn,
  createTwoProviderWorld,
  createUser,
  frameworkVersion,
  importTestStandards,
} from '../support/fixtures.js';
import { textOf } from '../support/review-fixtures.js';

// The commissioner's home page: what needs attention across every period, each a count linking to
// the returns list filtered to exactly those returns; then the compliance matrix.

let db: TestDatabase;
let w: Awaited<ReturnType<typeof world>>;

// 1 March 2027 (UK).
const NOW = new Date('2027-03-01T09:00:00Z');

async function world() {
  const base = await createTwoProviderWorld(db.prisma);
  const eds = await frameworkVersion(db.prisma, 'EDS', '2022');
  const otherManager = await createUser(db.prisma, { displayName: 'Olga Other-Manager' });
  const earlier = await createPeriod(db.prisma, '2025/26');
  const providerC = await createProvider(db.prisma, { name: 'Charlie Surgery' });
  const contractC = await createContract(db.prisma, providerC.id, otherManager.id);
  const day = (iso: string) => ({ dueDate: new Date(iso), originalDueDate: new Date(iso) });
  const a = { contractId: base.contractA.id, providerId: base.providerA.id, frameworkVersionId: eds.id };
  const b = { contractId: base.contractB.id, providerId: base.providerB.id, frameworkVersionId: eds.id };
  const c = { contractId: contractC.id, providerId: providerC.id, frameworkVersionId: eds.id };
  // An earlier period's return, 300 days overdue and returned to the provider: it counts too.
  const overdueReturned = await createReturn(
    db.prisma,
    { ...a, periodId: earlier.id },
    { ...day('2026-05-05'), status: 'returned' },
  );
  // Due within 14 days.
  const dueSoon = await createReturn(
    db.prisma,
    { ...a, periodId: base.period.id },
    { ...day('2027-03-10'), status: 'in_progress' },
  );
  // Submitted on the manager's contract 9 days ago; and on another manager's contract 30 days ago.
  const mine = await createReturn(
    db.prisma,
    { ...b, periodId: base.period.id },
    { ...day('2027-02-28'), status: 'submitted', submittedAt: new Date('2027-02-20T10:00:00Z') },
  );
  const theirs = await createReturn(
    db.prisma,
    { ...c, periodId: earlier.id },
    { ...day('2026-02-28'), status: 'submitted', submittedAt: new Date('2027-01-30T10:00:00Z') },
  );
  // Overdue by a day, not started.
  const overdue = await createReturn(
    db.prisma,
    { ...c, periodId: base.period.id },
    { ...day('2027-02-28'), status: 'not_started' },
  );
  await createFailedEmail(db.prisma, { toAddress: 'nobody@example.nhs.uk', returnId: overdue.id });
  // The world's AIS returns of A and B are due 31 March 2027 (not soon) and not started.
  return { ...base, overdueReturned, dueSoon, mine, theirs, overdue };
}

beforeAll(async () => {
  db = await createTestDatabase();
  await importTestStandards(db.prisma);
  w = await world();
});
afterAll(async () => {
  await db.drop();
});

const app = () => buildTestApp(db, { clock: () => NOW });

/** The card of one count: its text, and where its count links to. */
function card(html: string, id: string): { text: string; href: string } {
  const start = html.indexOf(`id="${id}"`);
  if (start < 0) throw new Error(`No ${id} on the page`);
  const item = html.slice(start, html.indexOf('</li>', start));
  const href = /href="([^"]+)"/.exec(item)?.[1]?.replaceAll('&amp;', '&') ?? '';
  return { text: textOf(`<li ${item}`), href };
}

function listed(html: string): string[] {
  return [...html.matchAll(/href="\/returns\/([0-9a-f-]{36})(?:\/review)?"/g)].map((match) => match[1] ?? '');
}

describe('commissioner home: what needs attention', () => {
  test('a contract manager sees each count across every period, linking to exactly those returns', async () => {
    const manager = await signedInAgent(app(), w.manager.id);
    const home = (await manager.get(paths.home).expect(200)).text;
    expect(home).toContain('<title>Your work');
    const expected: Record<string, { text: string[]; ids: string[] }> = {
      'attention-overdue': {
        text: ['Overdue', '2 returns overdue', 'The longest by 300 days'],
        ids: [w.overdueReturned.id, w.overdue.id],
      },
      'attention-review': {
        text: ['Awaiting your review', '1 return awaiting your review', 'Waiting longest: 9 days'],
        ids: [w.mine.id],
      },
      'attention-due-soon': { text: ['Due in the next 14 days', '1 return due'], ids: [w.dueSoon.id] },
      'attention-returned': {
        text: ['Returned, waiting for the provider', '1 return returned'],
        ids: [w.overdueReturned.id],
      },
    };
    for (const [id, want] of Object.entries(expected)) {
      const { text, href } = card(home, id);
      for (const part of want.text) expect(`${id}: ${text}`).toContain(part);
      const list = (await manager.get(href).expect(200)).text;
      expect({ id, listed: listed(list) }).toEqual({ id, listed: want.ids });
    }
    // Every contract manager's submitted returns, the longest waiting first.
    expect(card(home, 'attention-review').text).toContain('2 returns awaiting review in all');
    const all = /href="([^"]+)">2 returns awaiting review in all/.exec(home)?.[1]?.replaceAll('&amp;', '&');
    expect(listed((await manager.get(all ?? '').expect(200)).text)).toEqual([w.theirs.id, w.mine.id]);
    // Emails that failed lead to the outbox.
    const emails = card(home, 'attention-emails');
    expect(emails.text).toContain('1 email that failed');
    expect(emails.href).toBe(paths.outbox.list);
    // The matrix follows.
    expect(home.indexOf('id="matrix"')).toBeGreaterThan(home.indexOf('id="attention-emails"'));
  });

  test('administrators and viewers see every submitted return; viewers no outbox', async () => {
    const admin = (await (await signedInAgent(app(), w.admin.id)).get(paths.home).expect(200)).text;
    expect(card(admin, 'attention-review').text).toContain('Awaiting review 2 returns awaiting review');
    expect(card(admin, 'attention-review').text).toContain('Waiting longest: 30 days');
    expect(card(admin, 'attention-emails').text).toContain('1 email that failed');
    const viewer = (await (await signedInAgent(app(), w.viewer.id)).get(paths.home).expect(200)).text;
    expect(card(viewer, 'attention-review').text).toContain('2 returns awaiting review');
    expect(viewer).not.toContain('attention-emails');
    expect(viewer).not.toContain(`href="${paths.outbox.list}"`);
  });

  test('a provider lead sees none of it', async () => {
    const lead = (await (await signedInAgent(app(), w.leadA.id)).get(paths.home).expect(200)).text;
    expect(lead).not.toContain('Needs attention');
    expect(lead).not.toContain('attention-');
    expect(lead).not.toContain('id="matrix"');
  });

  test('the home page and the matrix page have titles of their own', async () => {
    const manager = await signedInAgent(app(), w.manager.id);
    const home = (await manager.get(paths.home).expect(200)).text;
    const matrix = (await manager.get(paths.matrix.show).expect(200)).text;
    const title = (html: string) => /<title>([^<]*)<\/title>/.exec(html)?.[1];
    expect(title(home)).not.toBe(title(matrix));
    expect(title(matrix)).toMatch(/^Compliance matrix/);
  });
});
