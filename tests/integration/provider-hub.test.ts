import { pathTo, paths } from '../../src/paths.js';
import { buildTestApp, signedInAgent } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import {
  createReturn,
  createTwoProviderWorld,
  frameworkVersion,
  importTestStandards,
} from '../support/fixtures.js';
import { submitReturn, textOf } from '../support/review-fixtures.js';
import { answerEveryRequirement, rowLinking } from './returns-helpers.js';

// The provider page is the hub: its returns by period (state, due date, result), links to its review
// pack, trends and history, beside its contracts and people. Provider names elsewhere link to it.

let db: TestDatabase;
let w: Awaited<ReturnType<typeof world>>;

const NOW = new Date('2027-03-01T09:00:00Z');

async function world() {
  const base = await createTwoProviderWorld(db.prisma);
  const eds = await frameworkVersion(db.prisma, 'EDS', '2022');
  // A year before the world's period (same start dates would leave the order to the random label).
  const earlier = await db.prisma.reportingPeriod.create({
    data: { label: '2025/26', startDate: new Date('2025-04-01'), endDate: new Date('2026-03-31') },
  });
  const a = { contractId: base.contractA.id, providerId: base.providerA.id };
  // The world's AIS return of A (2026/27, due 31 March 2027) is answered in full and submitted.
  await answerEveryRequirement(db.prisma, base.returnA, base.leadA.id);
  await submitReturn(db.prisma, base.returnA.id, base.leadA.id, new Date('2027-02-20T10:00:00Z'));
  // An EDS return of the earlier period, 300 days overdue and not started.
  const overdue = await createReturn(
    db.prisma,
    { ...a, frameworkVersionId: eds.id, periodId: earlier.id },
    { dueDate: new Date('2026-05-05'), originalDueDate: new Date('2026-05-05') },
  );
  await db.prisma.auditEvent.createMany({
    data: [
      {
        actorId: base.manager.id,
        action: 'contract.created',
        entityType: 'contract',
        entityId: base.contractA.id,
        occurredAt: new Date('2026-04-01T09:00:00Z'),
      },
      {
        actorId: base.leadA.id,
        action: 'return.submitted',
        entityType: 'return',
        entityId: base.returnA.id,
        returnId: base.returnA.id,
        occurredAt: new Date('2027-02-20T10:00:00Z'),
      },
      // Saving an answer is not a milestone of the provider's history, nor is provider B's submission.
      {
        actorId: base.leadA.id,
        action: 'response.saved',
        entityType: 'response',
        entityId: base.returnA.id,
        returnId: base.returnA.id,
        occurredAt: new Date('2027-02-19T10:00:00Z'),
      },
      {
        actorId: base.leadB.id,
        action: 'return.submitted',
        entityType: 'return',
        entityId: base.returnB.id,
        returnId: base.returnB.id,
        occurredAt: new Date('2027-02-21T10:00:00Z'),
      },
    ],
  });
  return { ...base, eds, earlier, overdue };
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
const providerPage = () => pathTo(paths.providers.show, { providerId: w.providerA.id });

describe('the provider page as the hub', () => {
  test('returns by period, newest first, with state, due date, days overdue and result', async () => {
    const manager = await signedInAgent(app(), w.manager.id);
    const html = (await manager.get(providerPage()).expect(200)).text;
    const text = textOf(html);
    expect(text.indexOf('Returns for 2025/26')).toBeGreaterThan(
      text.indexOf(`Returns for ${w.period.label}`),
    );
    // A contract manager goes to the review of a submitted return.
    const submitted = textOf(rowLinking(html, pathTo(paths.review.show, { returnId: w.returnA.id })));
    expect(submitted).toContain('Accessible Information Standard 2025');
    expect(submitted).toContain('Submitted');
    expect(submitted).toContain('31 March 2027');
    expect(submitted).toContain('6 of 6 steps rated');
    const overdue = textOf(rowLinking(html, pathTo(paths.returns.show, { returnId: w.overdue.id })));
    expect(overdue).toContain('Not started Overdue');
    expect(overdue).toContain('300 days overdue');
    // Provider B's returns are not on A's page.
    expect(html).not.toContain(w.returnB.id);
  });

  test('links to the review pack, the provider’s trends and its history; contracts and people stay', async () => {
    const viewer = await signedInAgent(app(), w.viewer.id);
    const html = (await viewer.get(providerPage()).expect(200)).text;
    expect(html).toContain(`href="${pathTo(paths.exports.pack, { providerId: w.providerA.id })}"`);
    expect(html).toContain(`href="${pathTo(paths.providers.trends, { providerId: w.providerA.id })}"`);
    expect(html).toContain(w.contractA.reference);
    expect(html).toContain('id="people"');
    // A viewer is linked to the return itself, not its review.
    expect(html).toContain(`href="${pathTo(paths.returns.show, { returnId: w.returnA.id })}"`);
    expect(html).not.toContain(pathTo(paths.review.show, { returnId: w.returnA.id }));
    const history = textOf(html.slice(html.indexOf('id="history"')));
    expect(history).toContain('Return submitted: Accessible Information Standard 2025');
    expect(history).toContain('Contract added');
    expect(history.indexOf('Return submitted')).toBeLessThan(history.indexOf('Contract added'));
    expect(history).not.toContain('Answer saved');
    expect(history).not.toContain('response.saved');
    expect(history).not.toContain(w.leadB.displayName);
  });

  test('its open actions with owner, due date, status and overdue in words, and a link to all of them', async () => {
    const action = (
      providerId: string,
      description: string,
      status: 'not_started' | 'in_progress' | 'done',
      due: string,
    ) =>
      db.prisma.action.create({
        data: { providerId, description, owner: `${description} owner`, status, dueDate: new Date(due) },
      });
    const late = await action(w.providerA.id, 'Late easy-read leaflets', 'not_started', '2027-02-01');
    const going = await action(w.providerA.id, 'Staff network engagement', 'in_progress', '2027-06-30');
    const done = await action(w.providerA.id, 'Finished audit', 'done', '2026-12-01');
    const other = await action(w.providerB.id, 'Bravo only plan', 'not_started', '2027-01-01');
    const viewer = await signedInAgent(app(), w.viewer.id);
    const html = (await viewer.get(providerPage()).expect(200)).text;
    const section = html.slice(html.indexOf('id="actions"'), html.indexOf('<h2>Contracts</h2>'));
    const text = textOf(section);
    expect(section.indexOf(late.id)).toBeLessThan(section.indexOf(going.id));
    expect(text).toContain(
      'Late easy-read leaflets Not started Overdue Due 1 February 2027: 28 days overdue. Owner: Late easy-read leaflets owner',
    );
    expect(text).toContain(
      'Staff network engagement In progress Due 30 June 2027. Owner: Staff network engagement owner',
    );
    expect(section).not.toContain(done.id);
    expect(section).not.toContain(other.id);
    expect(section).toContain(`href="${pathTo(paths.actions.show, { actionId: late.id })}"`);
    expect(section).toContain(`href="${paths.actions.list}?provider=${w.providerA.id}"`);
    await db.prisma.action.deleteMany({ where: { id: { in: [late.id, going.id, done.id, other.id] } } });
    const empty = textOf((await viewer.get(providerPage()).expect(200)).text);
    expect(empty).toContain('This provider has no open actions.');
  });

  test('provider names in the matrix, heat map, review queue and returns list link to it', async () => {
    const manager = await signedInAgent(app(), w.manager.id);
    const link = `href="${providerPage()}"`;
    const matrix = (await manager.get(`${paths.matrix.show}?period=${w.period.id}`).expect(200)).text;
    expect(matrix).toContain(link);
    const queue = (await manager.get(paths.review.queue).expect(200)).text;
    expect(queue).toContain(link);
    const returns = (await manager.get(paths.returns.list).expect(200)).text;
    expect(returns).toContain(link);
    const heatmap = (
      await manager.get(`${paths.heatmap}?period=${w.period.id}&standard=${w.ais.id}`).expect(200)
    ).text;
    expect(heatmap).toContain(link);
  });

  test('"Add a contract" and "Agree an extension" pages have titles of their own per provider and return', async () => {
    const manager = await signedInAgent(app(), w.manager.id);
    const title = async (url: string) =>
      /<title>([^<]*)<\/title>/.exec((await manager.get(url).expect(200)).text)?.[1] ?? '';
    const addA = await title(pathTo(paths.contracts.new, { providerId: w.providerA.id }));
    const addB = await title(pathTo(paths.contracts.new, { providerId: w.providerB.id }));
    expect(addA).toMatch(/^Add a contract - Alpha Hospitals NHS Trust/);
    expect(addB).not.toBe(addA);
    const extendA = await title(pathTo(paths.returns.extension, { returnId: w.overdue.id }));
    const extendB = await title(pathTo(paths.returns.extension, { returnId: w.returnB.id }));
    expect(extendA).toMatch(/^Agree an extension - EDS 2022 2025\/26 - Alpha Hospitals NHS Trust/);
    expect(extendB).not.toBe(extendA);
  });

  test('beside an EDS 2022 return, where its EDS report stands in words, before and after recording', async () => {
    const manager = await signedInAgent(app(), w.manager.id);
    const row = async () =>
      textOf(
        rowLinking(
          (await manager.get(providerPage()).expect(200)).text,
          pathTo(paths.returns.show, { returnId: w.overdue.id }),
        ),
      );
    const before = await row();
    expect(before).toContain('EDS report');
    expect(before).toContain('Not published yet');
    expect(before).toContain('Not sent to NHS England yet');
    const returnPage = pathTo(paths.returns.show, { returnId: w.overdue.id });
    const page = textOf((await manager.get(returnPage).expect(200)).text);
    expect(page).toContain('Not published yet');
    expect(page).toContain('Record where and when it was published, and when it was sent to NHS England');
    // An AIS return has no EDS report, so nothing about one.
    const ais = textOf(
      rowLinking(
        (await manager.get(providerPage()).expect(200)).text,
        pathTo(paths.review.show, { returnId: w.returnA.id }),
      ),
    );
    expect(ais).not.toContain('NHS England');

    // The 2025/26 report's record is the one of the year 2025; another year's is not it.
    const record = (year: number, url: string, publishedOn: string) => ({
      providerId: w.providerA.id,
      obligationCode: 'eds-report',
      obligationVersion: 1,
      year,
      status: 'published' as const,
      url,
      publishedOn: new Date(publishedOn),
      recordedById: w.leadA.id,
      recordedAt: NOW,
    });
    await db.prisma.publication.create({
      data: record(2026, 'https://www.alpha.nhs.uk/eds-2026', '2027-02-01'),
    });
    expect(await row()).toContain('Not published yet');
    await db.prisma.publication.create({
      data: record(2025, 'https://www.alpha.nhs.uk/eds-2025', '2026-06-01'),
    });
    await db.prisma.edsReportSending.create({
      data: {
        returnId: w.overdue.id,
        sentOn: new Date('2026-06-02'),
        recordedById: w.leadA.id,
        recordedAt: NOW,
      },
    });
    const after = await row();
    expect(after).toContain('Published on 1 June 2026');
    expect(after).toContain('Sent to NHS England on 2 June 2026');
    const shown = textOf((await manager.get(returnPage).expect(200)).text);
    expect(shown).toContain('Published on 1 June 2026 at https://www.alpha.nhs.uk/eds-2025');
    expect(shown).toContain('Sent to NHS England on 2 June 2026');
    expect(shown).toContain('Change where and when it was published, and when it was sent to NHS England');

    // Another provider's lead sees nothing of it: not the provider page, not the return.
    const other = await signedInAgent(app(), w.leadB.id);
    const refusedHub = await other.get(providerPage()).expect(403);
    const refusedReturn = await other.get(returnPage).expect(404);
    for (const refused of [refusedHub.text, refusedReturn.text]) {
      expect(refused).not.toContain('eds-2025');
      expect(refused).not.toContain('1 June 2026');
    }
  });

  test('a provider lead is refused the page', async () => {
    const lead = await signedInAgent(app(), w.leadA.id);
    await lead.get(providerPage()).expect(403);
  });
});
