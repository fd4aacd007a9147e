import { paths } from '../../src/paths.js';
import { buildTestApp, signedInAgent } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import {
  createPeriod,
  createReturn,
  createTwoProviderWorld,
  frameworkVersion,
  importTestStandards,
} from '../support/fixtures.js';
import { answerReturn, sectionHtml, submitReturn, textOf } from '../support/review-fixtures.js';

// Trends: the table's numbers equal a known fixture, and the SVG chart (title, desc, text labels)
// carries the same numbers.

let db: TestDatabase;
let app: ReturnType<typeof buildTestApp>;
let world: Awaited<ReturnType<typeof createTwoProviderWorld>>;

beforeAll(async () => {
  db = await createTestDatabase();
  await importTestStandards(db.prisma);
  app = buildTestApp(db);
  world = await createTwoProviderWorld(db.prisma);
  await db.prisma.reportingPeriod.update({
    where: { id: world.period.id },
    data: { label: '2025/26', startDate: new Date('2025-04-01'), endDate: new Date('2026-03-31') },
  });
  const later = await createPeriod(db.prisma, '2026/27');
  const eds = await frameworkVersion(db.prisma, 'EDS', '2022');
  const edsReturn = (providerKey: 'A' | 'B', periodId: string) =>
    createReturn(db.prisma, {
      contractId: providerKey === 'A' ? world.contractA.id : world.contractB.id,
      providerId: providerKey === 'A' ? world.providerA.id : world.providerB.id,
      frameworkVersionId: eds.id,
      periodId,
    });
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
});
afterAll(async () => {
  await db.drop();
});

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
  };
}

test('all providers: the state and result tables equal the fixture, oldest period first', async () => {
  const agent = await signedInAgent(app, world.viewer.id);
  const html = (await agent.get(paths.trends).expect(200)).text;
  expect(headers(html, 'table-eds-2022-states')).toEqual([
    'Period',
    'Not started',
    'In progress',
    'Submitted',
    'Returned',
    'Accepted',
    'Total',
  ]);
  expect(tableRows(html, 'table-eds-2022-states')).toEqual([
    ['2025/26', '0', '0', '1', '0', '1', '2'],
    ['2026/27', '1', '1', '0', '0', '0', '2'],
  ]);
  expect(headers(html, 'table-eds-2022-results')).toEqual([
    'Period',
    'Undeveloped',
    'Developing',
    'Achieving',
    'Excelling',
    'Not fully rated',
  ]);
  expect(tableRows(html, 'table-eds-2022-results')).toEqual([
    ['2025/26', '0', '0', '1', '1', '0'],
    ['2026/27', '0', '0', '0', '0', '0'],
  ]);
  // AIS 2025: the two not-started returns of the shared world.
  expect(tableRows(html, 'table-accessible-information-standard-2025-states')).toEqual([
    ['2025/26', '2', '0', '0', '0', '0', '2'],
  ]);
});

test('the SVG charts have a title and description and carry the same numbers as text', async () => {
  const agent = await signedInAgent(app, world.manager.id);
  const html = (await agent.get(paths.trends).expect(200)).text;
  const states = chart(html, 'chart-eds-2022-states');
  expect(states.title).toBe('EDS 2022: returns by state, all providers');
  expect(states.desc).toContain(
    '2025/26: Not started 0, In progress 0, Submitted 1, Returned 0, Accepted 1. 2026/27: Not started 1, In progress 1, Submitted 0, Returned 0, Accepted 0.',
  );
  expect(states.bars).toEqual([
    'Not started 0',
    'In progress 0',
    'Submitted 1',
    'Returned 0',
    'Accepted 1',
    'Not started 1',
    'In progress 1',
    'Submitted 0',
    'Returned 0',
    'Accepted 0',
  ]);
  const results = chart(html, 'chart-eds-2022-results');
  expect(results.desc).toContain(
    '2025/26: Undeveloped 0, Developing 0, Achieving 1, Excelling 1, Not fully rated 0.',
  );
  expect(results.bars.slice(0, 5)).toEqual([
    'Undeveloped 0',
    'Developing 0',
    'Achieving 1',
    'Excelling 1',
    'Not fully rated 0',
  ]);
  expect(textOf(sectionHtml(html, 'trend-eds-2022'))).toContain('Number of returns');
});

test('one provider: only its returns are counted', async () => {
  const agent = await signedInAgent(app, world.admin.id);
  const html = (await agent.get(`${paths.trends}?provider=${world.providerA.id}`).expect(200)).text;
  expect(html).toContain(`<h1>Trends for ${world.providerA.name}</h1>`);
  expect(tableRows(html, 'table-eds-2022-states')).toEqual([
    ['2025/26', '0', '0', '0', '0', '1', '1'],
    ['2026/27', '0', '1', '0', '0', '0', '1'],
  ]);
  expect(tableRows(html, 'table-eds-2022-results')).toEqual([
    ['2025/26', '0', '0', '1', '0', '0'],
    ['2026/27', '0', '0', '0', '0', '0'],
  ]);
  expect(chart(html, 'chart-eds-2022-states').title).toBe(
    `EDS 2022: returns by state, ${world.providerA.name}`,
  );
  expect(html).toMatch(new RegExp(`<option value="${world.providerA.id}" selected`));
});

test('provider leads are refused; anonymous visitors go to sign-in', async () => {
  const lead = await signedInAgent(app, world.leadA.id);
  await lead.get(paths.trends).expect(403);
  const { default: supertest } = await import('supertest');
  const response = await supertest(app).get(paths.trends).expect(302);
  expect(response.headers.location).toBe(paths.signIn);
});
