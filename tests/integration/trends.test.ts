import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readVersionMappings } from '../../src/frameworks/version-mappings.js';
import { pathTo, paths } from '../../src/paths.js';
import { STANDARD_MAPPINGS_DIR } from '../../src/project-root.js';
import { buildTestApp, signedInAgent } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import {
  createPeriod,
  createProviderLead,
  createReturn,
  createTwoProviderWorld,
  frameworkVersion,
  importTestStandards,
} from '../support/fixtures.js';
import { answerReturn, submitReturn, textOf } from '../support/review-fixtures.js';

// Trends: one per standard across its versions (AIS 2016 to 2025, EDS2 to EDS 2022) with the change
// marked and compared only as the mapping data says; the table's numbers equal a known fixture, and
// the SVG chart (title, desc, text labels) carries the same numbers. Per provider, leads only their own.

let db: TestDatabase;
let app: ReturnType<typeof buildTestApp>;
let world: Awaited<ReturnType<typeof createTwoProviderWorld>>;

/** Marks a requirement of a return "not applicable" (the standard's data allows it there). */
async function notApplicable(returnId: string, code: string) {
  const response = await db.prisma.response.findFirstOrThrow({
    where: { returnId, requirement: { code } },
  });
  await db.prisma.response.update({
    where: { id: response.id },
    data: { ratingLevelId: null, notApplicable: true, notApplicableReason: 'We have no carers on our list.' },
  });
}

beforeAll(async () => {
  db = await createTestDatabase();
  await importTestStandards(db.prisma);
  app = buildTestApp(db);
  world = await createTwoProviderWorld(db.prisma);
  await db.prisma.reportingPeriod.update({
    where: { id: world.period.id },
    data: { label: '2025/26', startDate: new Date('2025-04-01'), endDate: new Date('2026-03-31') },
  });
  const earlier = await db.prisma.reportingPeriod.create({
    data: { label: '2024/25', startDate: new Date('2024-04-01'), endDate: new Date('2025-03-31') },
  });
  const later = await createPeriod(db.prisma, '2026/27');
  const [eds, eds2, ais2016] = await Promise.all([
    frameworkVersion(db.prisma, 'EDS', '2022'),
    frameworkVersion(db.prisma, 'EDS', '2'),
    frameworkVersion(db.prisma, 'AIS', '2016'),
  ]);
  const newReturn = (providerKey: 'A' | 'B', frameworkVersionId: string, periodId: string) =>
    createReturn(db.prisma, {
      contractId: providerKey === 'A' ? world.contractA.id : world.contractB.id,
      providerId: providerKey === 'A' ? world.providerA.id : world.providerB.id,
      frameworkVersionId,
      periodId,
    });
  const edsReturn = (providerKey: 'A' | 'B', periodId: string) => newReturn(providerKey, eds.id, periodId);
  // 2025/26: A accepted with every outcome Achieving (22: "Achieving"); B submitted, all Excelling (33).
  const a1 = await edsReturn('A', world.period.id);
  await answerReturn(db.prisma, a1.id, world.leadA.id, () => ({ rating: 'achieving' }));
  await submitReturn(db.prisma, a1.id, world.leadA.id);
  await db.prisma.return.update({ where: { id: a1.id }, data: { status: 'accepted' } });
  const b1 = await edsReturn('B', world.period.id);
  await answerReturn(db.prisma, b1.id, world.leadB.id);
  await submitReturn(db.prisma, b1.id, world.leadB.id);
  // 2026/27: A in progress, B not started.
  const a2 = await edsReturn('A', later.id);
  await answerReturn(db.prisma, a2.id, world.leadA.id);
  await edsReturn('B', later.id);

  // 2024/25, EDS2: A accepted, every outcome Developing (its weakest goal: Developing).
  const e0 = await newReturn('A', eds2.id, earlier.id);
  await answerReturn(db.prisma, e0.id, world.leadA.id, () => ({ rating: 'developing' }));
  await submitReturn(db.prisma, e0.id, world.leadA.id);
  await db.prisma.return.update({ where: { id: e0.id }, data: { status: 'accepted' } });

  // 2024/25, AIS 2016: A accepted, all Fully met but 5.1 Partially met; B submitted with 2.1 Not met
  // and 1.2 (carers) "not applicable".
  const s0a = await newReturn('A', ais2016.id, earlier.id);
  await answerReturn(db.prisma, s0a.id, world.leadA.id, (code) =>
    code === '5.1' ? { rating: 'partially-met' } : undefined,
  );
  await submitReturn(db.prisma, s0a.id, world.leadA.id);
  await db.prisma.return.update({ where: { id: s0a.id }, data: { status: 'accepted' } });
  const s0b = await newReturn('B', ais2016.id, earlier.id);
  await answerReturn(db.prisma, s0b.id, world.leadB.id, (code) =>
    code === '2.1' ? { rating: 'not-met' } : undefined,
  );
  await notApplicable(s0b.id, '1.2');
  await submitReturn(db.prisma, s0b.id, world.leadB.id);

  // 2025/26, AIS 2025 (the world's returns): A submitted, every requirement Exemplar but 1.2
  // "not applicable": left out, so A is fully rated and its weakest step is Exemplar.
  await answerReturn(db.prisma, world.returnA.id, world.leadA.id);
  await notApplicable(world.returnA.id, '1.2');
  await submitReturn(db.prisma, world.returnA.id, world.leadA.id);
});
afterAll(async () => {
  await db.drop();
});

/** One standard's section (it holds tables' scroll regions, which are sections too). */
function standardSection(html: string, id: string): string {
  const start = html.indexOf(`<section id="${id}"`);
  if (start < 0) throw new Error(`No section ${id}`);
  const next = html.indexOf('<section id="trend-', start + 1);
  return html.slice(start, next < 0 ? html.indexOf('</main>', start) : next);
}

/** The rows of the table with this id: [header, ...cells] as text. */
function tableRows(html: string, id: string): string[][] {
  const start = html.indexOf(`id="${id}"`);
  if (start < 0) throw new Error(`No table ${id}`);
  const table = html.slice(start, html.indexOf('</table>', start));
  const body = /<tbody[^>]*>([\s\S]*?)<\/tbody>/.exec(table)?.[1] ?? '';
  return [...body.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map((row) =>
    [...(row[1] ?? '').matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((cell) => textOf(cell[1] ?? '')),
  );
}

function headers(html: string, id: string): string[] {
  const start = html.indexOf(`id="${id}"`);
  const head = /<thead[^>]*>([\s\S]*?)<\/thead>/.exec(html.slice(start))?.[1] ?? '';
  return [...head.matchAll(/<th[^>]*>([\s\S]*?)<\/th>/g)].map((cell) => textOf(cell[1] ?? ''));
}

/** The chart's SVG: its title, desc, and the text of each bar row ("label value"). */
function chart(html: string, id: string) {
  const start = html.indexOf(`<svg class="app-chart" role="img" aria-labelledby="${id}-title ${id}-desc"`);
  if (start < 0) throw new Error(`No chart ${id}`);
  const svg = html.slice(start, html.indexOf('</svg>', start));
  return {
    title: textOf(/<title[^>]*>([\s\S]*?)<\/title>/.exec(svg)?.[1] ?? ''),
    desc: textOf(/<desc[^>]*>([\s\S]*?)<\/desc>/.exec(svg)?.[1] ?? ''),
    bars: [...svg.matchAll(/<g class="app-chart__row">([\s\S]*?)<\/g>/g)].map((row) => textOf(row[1] ?? '')),
    boundaries: [...svg.matchAll(/<text class="app-chart__boundary-text"[^>]*>([\s\S]*?)<\/text>/g)].map(
      (item) => textOf(item[1] ?? ''),
    ),
  };
}

const STATE_HEAD = [
  'Period',
  'Version',
  'Not started',
  'In progress',
  'Submitted',
  'Returned',
  'Accepted',
  'Total',
];
const AIS_2016 = 'Accessible Information Standard (2016)';
const AIS_2025 = 'Accessible Information Standard (2025)';
const CHANGED = ' (version changed here)';

test('all providers: one trend per standard across its versions, oldest period first, the change marked', async () => {
  const agent = await signedInAgent(app, world.viewer.id);
  const html = (await agent.get(paths.trends).expect(200)).text;
  expect(headers(html, 'table-eds-states')).toEqual(STATE_HEAD);
  expect(tableRows(html, 'table-eds-states')).toEqual([
    ['2024/25', 'EDS2', '0', '0', '0', '0', '1', '1'],
    ['2025/26', `EDS 2022${CHANGED}`, '0', '0', '1', '0', '1', '2'],
    ['2026/27', 'EDS 2022', '1', '1', '0', '0', '0', '2'],
  ]);
  expect(tableRows(html, 'table-ais-states')).toEqual([
    ['2024/25', AIS_2016, '0', '0', '1', '0', '1', '2'],
    ['2025/26', `${AIS_2025}${CHANGED}`, '1', '0', '1', '0', '0', '2'],
  ]);
  const ais = textOf(standardSection(html, 'trend-ais'));
  expect(ais).toContain(`Versions, in the order providers reported on them: ${AIS_2016}, then ${AIS_2025}.`);
  // The explanation of what compares comes from the mapping's data.
  expect(ais).toContain('The 2025 standard keeps the five steps of the 2016 standard');
  expect(ais).toContain('a state means the same in each');
});

test('EDS2 to EDS 2022: the data maps no outcomes, so only the overall result is compared, in one table', async () => {
  const agent = await signedInAgent(app, world.viewer.id);
  const html = (await agent.get(paths.trends).expect(200)).text;
  expect(headers(html, 'table-eds2-eds-2022-results')).toEqual([
    'Period',
    'Version',
    'Undeveloped',
    'Developing',
    'Achieving',
    'Excelling',
    'Not fully rated',
  ]);
  expect(tableRows(html, 'table-eds2-eds-2022-results')).toEqual([
    ['2024/25', 'EDS2', '0', '1', '0', '0', '0'],
    ['2025/26', `EDS 2022${CHANGED}`, '0', '0', '1', '1', '0'],
    ['2026/27', 'EDS 2022', '0', '0', '0', '0', '0'],
  ]);
  const eds = textOf(standardSection(html, 'trend-eds'));
  expect(eds).toContain('There is no official mapping from the old outcomes to the new ones');
  expect(eds).toContain('EDS2 has no overall rating of its own');
  // No goal-by-domain table: the data says goals and domains do not compare.
  expect(html).not.toContain('id="table-eds-groups"');
});

test('AIS 2016 to 2025: results per version, and each step followed across the change by the mapping', async () => {
  const agent = await signedInAgent(app, world.manager.id);
  const html = (await agent.get(paths.trends).expect(200)).text;
  // The ratings do not compare (the data says so): one results table per version.
  expect(headers(html, 'table-accessible-information-standard-2016-results')).toEqual([
    'Period',
    'Version',
    'Not met',
    'Partially met',
    'Fully met',
    'Not fully rated',
  ]);
  // B's 2.1 is Not met; A's 5.1 Partially met. B's 1.2 "not applicable" is left out, so B is fully rated.
  expect(tableRows(html, 'table-accessible-information-standard-2016-results')).toEqual([
    ['2024/25', AIS_2016, '1', '1', '0', '0'],
  ]);
  // A's 2025 return: every requirement Exemplar but 1.2 "not applicable", left out: Exemplar, not "not fully rated".
  expect(tableRows(html, 'table-accessible-information-standard-2025-results')).toEqual([
    ['2025/26', AIS_2025, '0', '0', '0', '1', '0'],
  ]);
  expect(headers(html, 'table-ais-groups')).toEqual([
    'Period',
    'Version',
    'Step 1: Ask (2016: step 1, Identify needs)',
    'Step 2: Record (2016: step 2, Record needs)',
    'Step 3: Flag (2016: step 3, Flag needs)',
    'Step 4: Share (2016: step 4, Share needs)',
    'Step 5: Act (2016: step 5, Meet needs)',
    'Step 6: Review (2025 only)',
  ]);
  expect(tableRows(html, 'table-ais-groups')).toEqual([
    [
      '2024/25',
      AIS_2016,
      '2 Fully met',
      '1 Not met, 1 Fully met',
      '2 Fully met',
      '2 Fully met',
      '1 Partially met, 1 Fully met',
      'Not in this version',
    ],
    [
      '2025/26',
      `${AIS_2025}${CHANGED}`,
      '1 Exemplar',
      '1 Exemplar',
      '1 Exemplar',
      '1 Exemplar',
      '1 Exemplar',
      '1 Exemplar',
    ],
  ]);
  expect(textOf(standardSection(html, 'trend-ais'))).toContain(
    'Steps 1 to 5 of the 2016 standard correspond to steps 1 to 5 of the 2025 standard',
  );
});

test('the SVG charts have a title and description, carry the same numbers as text and mark the change', async () => {
  const agent = await signedInAgent(app, world.manager.id);
  const html = (await agent.get(paths.trends).expect(200)).text;
  const states = chart(html, 'chart-eds-states');
  expect(states.title).toBe('Equality Delivery System: returns by state, all providers');
  expect(states.desc).toContain(
    '2024/25, EDS2: Not started 0, In progress 0, Submitted 0, Returned 0, Accepted 1. Version changed here: from EDS2 to EDS 2022. 2025/26, EDS 2022: Not started 0, In progress 0, Submitted 1, Returned 0, Accepted 1. 2026/27, EDS 2022: Not started 1, In progress 1, Submitted 0, Returned 0, Accepted 0.',
  );
  expect(states.bars.slice(5, 10)).toEqual([
    'Not started 0',
    'In progress 0',
    'Submitted 1',
    'Returned 0',
    'Accepted 1',
  ]);
  expect(states.boundaries).toEqual(['Version changed here: from EDS2 to EDS 2022']);
  const results = chart(html, 'chart-eds2-eds-2022-results');
  expect(results.desc).toContain(
    '2025/26, EDS 2022: Undeveloped 0, Developing 0, Achieving 1, Excelling 1, Not fully rated 0.',
  );
  expect(results.bars.slice(5, 10)).toEqual([
    'Undeveloped 0',
    'Developing 0',
    'Achieving 1',
    'Excelling 1',
    'Not fully rated 0',
  ]);
  expect(textOf(standardSection(html, 'trend-eds'))).toContain('Number of returns');
});

test('one provider: its own page, linked from the provider hub; only its returns are counted', async () => {
  const agent = await signedInAgent(app, world.admin.id);
  const trendsPath = pathTo(paths.providers.trends, { providerId: world.providerA.id });
  // The form on the all-providers page (no JavaScript) leads to the provider's page.
  const chosen = await agent.get(`${paths.trends}?provider=${world.providerA.id}`).expect(302);
  expect(chosen.headers.location).toBe(trendsPath);
  const hub = (await agent.get(pathTo(paths.providers.show, { providerId: world.providerA.id })).expect(200))
    .text;
  expect(hub).toContain(`href="${trendsPath}"`);

  const html = (await agent.get(trendsPath).expect(200)).text;
  expect(html).toContain(`<h1>Trends for ${world.providerA.name}</h1>`);
  expect(tableRows(html, 'table-eds-states')).toEqual([
    ['2024/25', 'EDS2', '0', '0', '0', '0', '1', '1'],
    ['2025/26', `EDS 2022${CHANGED}`, '0', '0', '0', '0', '1', '1'],
    ['2026/27', 'EDS 2022', '0', '1', '0', '0', '0', '1'],
  ]);
  expect(tableRows(html, 'table-eds2-eds-2022-results')).toEqual([
    ['2024/25', 'EDS2', '0', '1', '0', '0', '0'],
    ['2025/26', `EDS 2022${CHANGED}`, '0', '0', '1', '0', '0'],
    ['2026/27', 'EDS 2022', '0', '0', '0', '0', '0'],
  ]);
  expect(tableRows(html, 'table-ais-states')).toEqual([
    ['2024/25', AIS_2016, '0', '0', '0', '0', '1', '1'],
    ['2025/26', `${AIS_2025}${CHANGED}`, '0', '0', '1', '0', '0', '1'],
  ]);
  expect(tableRows(html, 'table-ais-groups')[0]?.slice(2, 4)).toEqual(['1 Fully met', '1 Fully met']);
  expect(chart(html, 'chart-eds-states').title).toBe(
    `Equality Delivery System: returns by state, ${world.providerA.name}`,
  );
  // Staff go back to the provider's page; there is no provider choice here.
  expect(html).toContain(`href="${pathTo(paths.providers.show, { providerId: world.providerA.id })}"`);
  expect(html).not.toContain('name="provider"');
});

test("provider leads see their own provider's trends only; anonymous visitors go to sign-in", async () => {
  const lead = await signedInAgent(app, world.leadA.id);
  const own = pathTo(paths.providers.trends, { providerId: world.providerA.id });
  const other = pathTo(paths.providers.trends, { providerId: world.providerB.id });
  // Trends in the navigation leads a one-provider lead to their provider's trends.
  expect((await lead.get(paths.trends).expect(302)).headers.location).toBe(own);
  expect(
    (await lead.get(`${paths.trends}?provider=${world.providerB.id}`).expect(302)).headers.location,
  ).toBe(own);
  const html = (await lead.get(own).expect(200)).text;
  expect(tableRows(html, 'table-accessible-information-standard-2016-results')).toEqual([
    ['2024/25', AIS_2016, '0', '1', '0', '0'],
  ]);
  // Provider B's page is "not found" for A's lead, and the other way round.
  await lead.get(other).expect(404);
  await (await signedInAgent(app, world.leadB.id)).get(own).expect(404);
  const { default: supertest } = await import('supertest');
  const response = await supertest(app).get(paths.trends).expect(302);
  expect(response.headers.location).toBe(paths.signIn);
  expect((await supertest(app).get(own).expect(302)).headers.location).toBe(paths.signIn);
});

test('a lead of several providers chooses whose trends to see, among their own only', async () => {
  const both = await createProviderLead(db.prisma, world.providerA.id, { displayName: 'Two-Provider Lead' });
  await db.prisma.membership.create({ data: { userId: both.id, providerId: world.providerB.id } });
  const html = (await (await signedInAgent(app, both.id)).get(paths.trends).expect(200)).text;
  expect(html).toContain(
    `href="${pathTo(paths.providers.trends, { providerId: world.providerA.id })}">Trends for ${world.providerA.name}`,
  );
  expect(html).toContain(
    `href="${pathTo(paths.providers.trends, { providerId: world.providerB.id })}">Trends for ${world.providerB.name}`,
  );
});

describe('version mappings (data/standards/mappings)', () => {
  test('every shipped mapping is valid and names only versions and groups the standards have', async () => {
    const mappings = await readVersionMappings(STANDARD_MAPPINGS_DIR);
    expect(
      mappings.map((mapping) => `${mapping.framework} ${mapping.fromVersion}>${mapping.toVersion}`),
    ).toEqual(['AIS 2016>2025', 'EDS 2>2022']);
    for (const mapping of mappings) {
      const groupsOf = async (code: string) =>
        (
          await db.prisma.requirementGroup.findMany({
            where: { frameworkVersion: { code, framework: { code: mapping.framework } } },
            select: { code: true },
          })
        ).map((group) => group.code);
      const [from, to] = await Promise.all([groupsOf(mapping.fromVersion), groupsOf(mapping.toVersion)]);
      expect(from.length).toBeGreaterThan(0);
      expect(to.length).toBeGreaterThan(0);
      for (const pair of mapping.groups.pairs) {
        if (pair.from !== null) expect(from).toContain(pair.from);
        if (pair.to !== null) expect(to).toContain(pair.to);
      }
      // Requirement pairs (what open actions follow, issue 14): every requirement of the earlier
      // version once, each to a requirement the later version has.
      const requirementsOf = async (code: string) =>
        (
          await db.prisma.requirement.findMany({
            where: { frameworkVersion: { code, framework: { code: mapping.framework } } },
            select: { code: true },
            orderBy: [{ group: { position: 'asc' } }, { position: 'asc' }],
          })
        ).map((requirement) => requirement.code);
      const [fromRequirements, toRequirements] = await Promise.all([
        requirementsOf(mapping.fromVersion),
        requirementsOf(mapping.toVersion),
      ]);
      if (mapping.requirements.mapped)
        expect(mapping.requirements.pairs.map((pair) => pair.from)).toEqual(fromRequirements);
      for (const pair of mapping.requirements.pairs)
        if (pair.to !== null) expect(toRequirements).toContain(pair.to);
    }
    expect(mappings.map((mapping) => mapping.requirements.mapped)).toEqual([true, false]);
  });

  test('a bad mapping file is refused, naming the file and each problem', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mappings-'));
    try {
      await writeFile(
        join(dir, 'bad.json'),
        JSON.stringify({
          framework: 'EDS',
          fromVersion: '2',
          toVersion: '2',
          summary: 'x',
          source: 'x',
          verified: false,
          overallResult: { comparable: true, explanation: 'x', source: '', verified: false },
          groups: { mapped: false, explanation: 'x', source: 'x', verified: false, pairs: [] },
          requirements: { mapped: false, explanation: 'x', source: 'x', verified: false, pairs: [] },
        }),
      );
      await expect(readVersionMappings(dir)).rejects.toThrow(
        /bad\.json: overallResult\.source must name where the fact comes from[\s\S]*bad\.json: toVersion must differ from fromVersion/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
