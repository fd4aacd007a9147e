import { pathTo, paths } from '../../src/paths.js';
import { buildTestApp, signedInAgent } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import {
  createContract,
  createPeriod,
  createProvider,
  createReturn,
  createTwoProviderWorld,
  createUser,
  frameworkVersion,
  importTestStandards,
} from '../support/fixtures.js';
import { textOf } from '../support/review-fixtures.js';
import { returnPath, rowLinking } from './returns-helpers.js';

// The returns list (/returns): filters by period, standard, state and due date as a GET form, soonest
// due first, 50 to a page, counts per state; a provider lead only ever sees their own providers.

let db: TestDatabase;
let w: Awaited<ReturnType<typeof world>>;

// 1 March 2027 (UK): due 28 February is 1 day overdue, due 10 March is due within 14 days.
const NOW = new Date('2027-03-01T09:00:00Z');

async function world() {
  const base = await createTwoProviderWorld(db.prisma);
  const eds = await frameworkVersion(db.prisma, 'EDS', '2022');
  const otherManager = await createUser(db.prisma, { displayName: 'Olga Other-Manager' });
  const earlier = await createPeriod(db.prisma, '2025/26');
  const providerC = await createProvider(db.prisma, { name: 'Charlie Surgery' });
  const contractC = await createContract(db.prisma, providerC.id, otherManager.id);
  const day = (iso: string) => ({ dueDate: new Date(iso), originalDueDate: new Date(iso) });
  const a = { contractId: base.contractA.id, providerId: base.providerA.id };
  const b = { contractId: base.contractB.id, providerId: base.providerB.id };
  const c = { contractId: contractC.id, providerId: providerC.id };
  // Provider A: an EDS return of an earlier period, 300 days overdue and returned; an AIS one due soon.
  const aOldEds = await createReturn(
    db.prisma,
    { ...a, frameworkVersionId: eds.id, periodId: earlier.id },
    { ...day('2026-05-05'), status: 'returned' },
  );
  const aEds = await createReturn(
    db.prisma,
    { ...a, frameworkVersionId: eds.id, periodId: base.period.id },
    { ...day('2027-03-10'), status: 'in_progress' },
  );
  // Provider B: submitted (not overdue whatever its date), and accepted.
  const bEds = await createReturn(
    db.prisma,
    { ...b, frameworkVersionId: eds.id, periodId: base.period.id },
    { ...day('2027-02-28'), status: 'submitted', submittedAt: new Date('2027-02-20T10:00:00Z') },
  );
  const bOldEds = await createReturn(
    db.prisma,
    { ...b, frameworkVersionId: eds.id, periodId: earlier.id },
    { ...day('2026-02-28'), status: 'accepted', submittedAt: new Date('2026-02-01T10:00:00Z') },
  );
  // Provider C (another manager's contract): overdue by a day, and submitted earlier than B's.
  const cEds = await createReturn(
    db.prisma,
    { ...c, frameworkVersionId: eds.id, periodId: base.period.id },
    { ...day('2027-02-28'), status: 'not_started' },
  );
  const cOldEds = await createReturn(
    db.prisma,
    { ...c, frameworkVersionId: eds.id, periodId: earlier.id },
    { ...day('2026-02-28'), status: 'submitted', submittedAt: new Date('2026-02-27T10:00:00Z') },
  );
  // AIS returns of A and B (from the world) are due 31 March 2027 and not started.
  return { ...base, eds, earlier, providerC, aOldEds, aEds, bEds, bOldEds, cEds, cOldEds };
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

/** The return ids the page lists, in order. */
function listed(html: string): string[] {
  return [...html.matchAll(/href="\/returns\/([0-9a-f-]{36})(?:\/review)?"/g)].map((match) => match[1] ?? '');
}

describe('returns list', () => {
  test('every period, soonest due first by default, with days overdue as text', async () => {
    const manager = await signedInAgent(app(), w.manager.id);
    const page = await manager.get(paths.returns.list).expect(200);
    expect(listed(page.text)).toEqual([
      w.bOldEds.id, // 28 Feb 2026 (accepted)
      w.cOldEds.id, // 28 Feb 2026 (submitted)
      w.aOldEds.id, // 5 May 2026
      w.bEds.id, // 28 Feb 2027: Bravo before Charlie
      w.cEds.id,
      w.aEds.id, // 10 Mar 2027
      w.returnA.id, // 31 Mar 2027
      w.returnB.id,
    ]);
    expect(textOf(rowLinking(page.text, returnPath(w.aOldEds.id)))).toContain('300 days overdue');
    expect(textOf(rowLinking(page.text, returnPath(w.cEds.id)))).toContain('1 day overdue');
    // A contract manager goes to the review of a submitted return.
    const reviewOfB = pathTo(paths.review.show, { returnId: w.bEds.id });
    expect(textOf(rowLinking(page.text, reviewOfB))).not.toContain('overdue');
    expect(textOf(page.text)).toContain('Showing 1 to 8 of 8 returns');
    expect(textOf(page.text)).toContain('Submitted: 2');
    expect(textOf(page.text)).toContain('Not started: 3');
  });

  test('filters by period, standard, state and due date; counts follow the filters', async () => {
    const manager = await signedInAgent(app(), w.manager.id);
    const get = async (query: string) =>
      listed((await manager.get(`${paths.returns.list}?${query}`).expect(200)).text);
    expect(await get(`period=${w.earlier.id}`)).toEqual([w.bOldEds.id, w.cOldEds.id, w.aOldEds.id]);
    expect(await get('standard=AIS')).toEqual([w.returnA.id, w.returnB.id]);
    expect(await get('state=submitted')).toEqual([w.cOldEds.id, w.bEds.id]);
    expect(await get('state=submitted&sort=waiting')).toEqual([w.cOldEds.id, w.bEds.id]);
    // Overdue: still owed by the provider and past its due date (the submitted B return is not).
    expect(await get('due=overdue')).toEqual([w.aOldEds.id, w.cEds.id]);
    expect(await get('due=overdue&state=returned')).toEqual([w.aOldEds.id]);
    expect(await get('due=overdue&state=accepted')).toEqual([]);
    expect(await get('due=soon')).toEqual([w.aEds.id]);
    expect(await get(`due=overdue&period=${w.period.id}&standard=EDS`)).toEqual([w.cEds.id]);
    const filtered = await manager.get(`${paths.returns.list}?period=${w.earlier.id}`).expect(200);
    expect(textOf(filtered.text)).toContain('Accepted: 1');
    expect(textOf(filtered.text)).toContain('Submitted: 1');
    expect(textOf(filtered.text)).toContain('Returned: 1');
    expect(textOf(filtered.text)).toContain('Not started: 0');
    // The filters keep their choices, and the provider links to its page for staff.
    expect(filtered.text).toMatch(new RegExp(`<option value="${w.earlier.id}" selected`));
    expect(filtered.text).toContain(`href="/providers/${w.providerA.id}"`);
    // Nonsense in the URL is ignored rather than refused.
    expect(await get('state=nonsense&due=never&sort=sideways&page=-3')).toHaveLength(8);
  });

  test('a contract manager can narrow to the contracts they manage', async () => {
    const manager = await signedInAgent(app(), w.manager.id);
    const page = await manager.get(`${paths.returns.list}?state=submitted&mine=yes`).expect(200);
    expect(listed(page.text)).toEqual([w.bEds.id]);
    expect(page.text).toMatch(/name="mine"[^>]*value="yes"[^>]*checked|checked[^>]*name="mine"/);
    // A viewer manages no contracts: the choice is neither offered nor applied.
    const viewer = await signedInAgent(app(), w.viewer.id);
    const viewed = await viewer.get(`${paths.returns.list}?state=submitted&mine=yes`).expect(200);
    expect(viewed.text).not.toContain('name="mine"');
    expect(listed(viewed.text)).toEqual([w.cOldEds.id, w.bEds.id]);
    // A viewer reads the return itself, not its review.
    expect(viewed.text).toContain(`href="${returnPath(w.bEds.id)}"`);
    expect(viewed.text).not.toContain(pathTo(paths.review.show, { returnId: w.bEds.id }));
  });

  test('a provider lead sees only their own providers’ returns and counts, whatever the filters', async () => {
    const lead = await signedInAgent(app(), w.leadA.id);
    const ownIds = [w.aOldEds.id, w.aEds.id, w.returnA.id];
    for (const query of [
      '',
      'state=submitted',
      'state=accepted',
      `period=${w.earlier.id}`,
      'due=overdue',
      'mine=yes',
      'sort=provider',
    ]) {
      const page = await lead.get(`${paths.returns.list}?${query}`).expect(200);
      for (const id of listed(page.text)) expect(ownIds).toContain(id);
      expect(page.text).not.toContain('Bravo Care Home');
      expect(page.text).not.toContain('Charlie Surgery');
      expect(page.text).not.toContain('/providers/');
    }
    const all = await lead.get(paths.returns.list).expect(200);
    expect(listed(all.text)).toEqual(ownIds);
    expect(textOf(all.text)).toContain('Submitted: 0');
    expect(textOf(all.text)).toContain('Accepted: 0');
    expect(textOf(all.text)).toContain('Returned: 1');
  });

  test('pages of 50, with links to the next and previous pages keeping the filters', async () => {
    const provider = await createProvider(db.prisma, { name: 'Delta Many Returns' });
    const contract = await createContract(db.prisma, provider.id, w.manager.id);
    const periods = await Promise.all(
      Array.from({ length: 51 }, (_, index) =>
        createPeriod(db.prisma, `Paging ${String(index).padStart(2, '0')}`),
      ),
    );
    await db.prisma.return.createMany({
      data: periods.map((period, index) => {
        const due = new Date(Date.UTC(2030, 0, 1 + index));
        return {
          contractId: contract.id,
          providerId: provider.id,
          frameworkVersionId: w.ais.id,
          periodId: period.id,
          dueDate: due,
          originalDueDate: due,
          status: 'accepted' as const,
          submittedAt: due,
        };
      }),
    });
    const manager = await signedInAgent(app(), w.manager.id);
    const first = await manager.get(`${paths.returns.list}?state=accepted&standard=AIS`).expect(200);
    expect(listed(first.text)).toHaveLength(50);
    expect(textOf(first.text)).toContain('Showing 1 to 50 of 51 returns');
    expect(first.text).toContain('href="/returns?standard=AIS&amp;state=accepted&amp;page=2"');
    expect(first.text).not.toContain('rel="prev"');
    const second = await manager.get('/returns?standard=AIS&state=accepted&page=2').expect(200);
    expect(listed(second.text)).toHaveLength(1);
    expect(textOf(second.text)).toContain('Showing 51 to 51 of 51 returns');
    expect(second.text).toContain('href="/returns?standard=AIS&amp;state=accepted" rel="prev"');
    expect(second.text).not.toContain('rel="next"');
    expect(second.text).toContain('<title>Returns (page 2 of 2)');
    await db.prisma.return.deleteMany({ where: { providerId: provider.id } });
  });
});
