import type { Express } from 'express';
import { pathTo, paths } from '../../src/paths.js';
import { buildTestApp, signedInAgent, type Agent } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { createTwoProviderWorld, importTestStandards } from '../support/fixtures.js';

// Three-year WRES and WDES trends per provider, and each indicator across providers (staff only),
// against a real PostgreSQL: figures worked out by hand in the comments, the table and the chart
// giving the same numbers, and a provider's people never seeing another provider's figures.

let db: TestDatabase;
let app: Express;
let world: Awaited<ReturnType<typeof createTwoProviderWorld>>;
let leadA: Agent;
let leadB: Agent;
let manager: Agent;
let viewer: Agent;
const returnIds: Record<string, string> = {};

// Data years end on 31 March: on 6 December 2026 the last three are 2024, 2025 and 2026.
const NOW = new Date('2026-12-06T10:00:00Z');

function textOf(html: string): string {
  return html
    .replace(/<[^>]+>/g, ' ')
    .replaceAll('&#39;', "'")
    .replaceAll('&amp;', '&')
    .replace(/\s+/g, ' ');
}

async function workforceReturn(
  providerId: string,
  year: number,
  status: 'in_progress' | 'submitted' | 'accepted',
  appointed: { white: [number, number]; bme: [number, number] },
) {
  const created = await db.prisma.workforceReturn.create({
    data: {
      providerId,
      standardCode: 'WRES',
      standardVersion: '2025',
      year,
      status,
      createdById: world.manager.id,
      answers: {
        create: {
          indicatorCode: '2',
          inputs: {
            'white-events': appointed.white[0],
            'white-outOf': appointed.white[1],
            'bme-events': appointed.bme[0],
            'bme-outOf': appointed.bme[1],
          },
          updatedById: world.manager.id,
          updatedAt: NOW,
        },
      },
    },
    select: { id: true },
  });
  return created.id;
}

beforeAll(async () => {
  db = await createTestDatabase();
  await importTestStandards(db.prisma);
  world = await createTwoProviderWorld(db.prisma);
  app = buildTestApp(db, { clock: () => NOW });
  const a = world.providerA.id;
  const b = world.providerB.id;
  // Provider A. 2024: (45 ÷ 300) ÷ (12 ÷ 150) = 0.15 ÷ 0.08 = 1.875, shown 1.88, outside the band.
  returnIds.a2024 = await workforceReturn(a, 2024, 'accepted', { white: [45, 300], bme: [12, 150] });
  // 2025: (40 ÷ 200) ÷ (20 ÷ 100) = 0.2 ÷ 0.2 = 1.00, waiting for review.
  returnIds.a2025 = await workforceReturn(a, 2025, 'submitted', { white: [40, 200], bme: [20, 100] });
  // 2026: (30 ÷ 100) ÷ (15 ÷ 60) = 0.3 ÷ 0.25 = 1.20, still being filled in.
  returnIds.a2026 = await workforceReturn(a, 2026, 'in_progress', { white: [30, 100], bme: [15, 60] });
  // Provider B. 2025: (10 ÷ 50) ÷ (2 ÷ 8) = 0.2 ÷ 0.25 = 0.80 (inside), only 8 BME shortlisted.
  returnIds.b2025 = await workforceReturn(b, 2025, 'accepted', { white: [10, 50], bme: [2, 8] });
  // 2026: (50 ÷ 100) ÷ (10 ÷ 100) = 5.00, in progress: never in the view across providers.
  returnIds.b2026 = await workforceReturn(b, 2026, 'in_progress', { white: [50, 100], bme: [10, 100] });
  // An older year than the three: not shown.
  await workforceReturn(a, 2023, 'accepted', { white: [90, 100], bme: [10, 100] });
  [leadA, leadB, manager, viewer] = await Promise.all([
    signedInAgent(app, world.leadA.id),
    signedInAgent(app, world.leadB.id),
    signedInAgent(app, world.manager.id),
    signedInAgent(app, world.viewer.id),
  ]);
});
afterAll(async () => {
  await db.drop();
});

const trendsOf = (providerId: string, standard = 'wres') =>
  pathTo(paths.workforce.providerTrends, { providerId, standard });
const icbOf = (indicatorCode: string, standard = 'wres') =>
  pathTo(paths.workforce.icbIndicator, { standard, indicatorCode });

describe("a provider's trends", () => {
  test('each indicator over the last three data years, with status, result and warnings', async () => {
    const html = (await leadA.get(trendsOf(world.providerA.id)).expect(200)).text;
    const text = textOf(html);
    expect(text).toContain('WRES trends over three years');
    expect(text).toContain(
      '2024 data (as at 31 March 2024) Accepted 1.88 Outside the parity band of 0.80 to 1.25',
    );
    expect(text).toContain('2025 data (as at 31 March 2025) Submitted 1.00 None');
    expect(text).toContain('2026 data (as at 31 March 2026) In progress 1.20 None');
    expect(text).not.toContain('2023 data');
    // Indicator 3 was not entered in any year; each year links to its return.
    expect(text).toContain('WRES indicator 3');
    expect(text).toContain('Accepted Not entered');
    expect(html).toContain(`href="${pathTo(paths.workforce.show, { returnId: returnIds.a2024 ?? '' })}"`);
    expect(html).toContain('aria-label="WRES indicator 2 by year (scrolls sideways)"');
    // A provider's people are not offered the view across providers.
    expect(html).not.toContain(icbOf('2'));
    // Indicator 2's chart: a bar a year, the parity band shaded and labelled, and the text
    // alternative naming the figure outside it (the table's warnings say it too).
    const svg =
      /<svg class="app-chart"[^>]*aria-labelledby="indicator-2-chart-title[\s\S]*?<\/svg>/.exec(html)?.[0] ??
      '';
    expect(svg).toContain('app-chart__band-area');
    expect(svg).toContain('>Parity band 0.80 to 1.25</text>');
    for (const figure of ['>1.88<', '>1.00<', '>1.20<']) expect(svg).toContain(figure);
    expect(svg).toContain(
      'Parity band 0.80 to 1.25: shaded between two dashed lines. Outside it: Alpha Hospitals NHS Trust, 2024: 1.88.</desc>',
    );
  });

  test('a year with no return says so; WDES has its own page', async () => {
    const text = textOf((await leadB.get(trendsOf(world.providerB.id)).expect(200)).text);
    expect(text).toContain('2024 data (as at 31 March 2024) No return No return');
    expect((await leadB.get(trendsOf(world.providerB.id)).expect(200)).text).toContain('>No return</text>');
    expect(text).toContain(
      'Accepted 0.80 Small numbers: only 8 Black and minority ethnic (BME) staff shortlisted, fewer than 10; read with care',
    );
    // Its own return in progress is its own to see.
    expect(text).toContain('In progress 5.00');
    const wdes = textOf((await leadB.get(trendsOf(world.providerB.id, 'wdes')).expect(200)).text);
    expect(wdes).toContain('WDES metric 9a');
    expect(wdes).toContain('the declaration rate');
  });

  test('linked from the provider pages and the return page; staff get the view across providers', async () => {
    const returnPage = (
      await leadA.get(pathTo(paths.workforce.show, { returnId: returnIds.a2025 ?? '' })).expect(200)
    ).text;
    expect(returnPage).toContain(`href="${trendsOf(world.providerA.id)}"`);
    const returns = (
      await leadA.get(pathTo(paths.workforce.provider, { providerId: world.providerA.id })).expect(200)
    ).text;
    expect(returns).toContain(`href="${trendsOf(world.providerA.id, 'wdes')}"`);
    expect(returns).not.toContain(pathTo(paths.workforce.icb, { standard: 'wres' }));
    const register = (
      await manager.get(pathTo(paths.providers.show, { providerId: world.providerA.id })).expect(200)
    ).text;
    expect(register).toContain(`href="${trendsOf(world.providerA.id)}"`);
    const staffTrends = (await manager.get(trendsOf(world.providerA.id)).expect(200)).text;
    expect(staffTrends).toContain(`href="${icbOf('2')}"`);
  });
});

describe('an indicator across providers', () => {
  test('a table and a chart with the same figures, from submitted and accepted returns only', async () => {
    const html = (await manager.get(icbOf('2')).expect(200)).text;
    const text = textOf(html);
    expect(text).toContain('WRES indicator 2 across providers');
    expect(text).toContain(
      'Alpha Hospitals NHS Trust 1.88. Warning: Outside the parity band of 0.80 to 1.25 1.00. Not yet reviewed Not submitted',
    );
    expect(text).toContain(
      'Bravo Care Home Not submitted 0.80. Warning: Small numbers: only 8 Black and minority ethnic (BME) staff shortlisted, fewer than 10; read with care Not submitted',
    );
    // In-progress figures (1.20, 5.00) are the provider's own until submitted.
    expect(text).not.toContain('1.20');
    expect(text).not.toContain('5.00');
    const svg = /<svg class="app-chart"[\s\S]*?<\/svg>/.exec(html)?.[0] ?? '';
    expect(svg).toContain('role="img"');
    expect(svg).toContain('WRES indicator 2 across providers');
    for (const figure of ['>1.88<', '>1.00<', '>0.80<', '>Alpha Hospitals NHS Trust<', '>Bravo Care Home<'])
      expect(svg).toContain(figure);
    expect(svg).not.toContain('5.00');
    expect(svg).toContain('Relative likelihood (1.00 is parity; the parity band is 0.80 to 1.25)');
    // The band is drawn and labelled; the text alternative names the one figure outside it (0.80 is
    // on its edge, inside).
    expect(svg).toContain('app-chart__band-edge');
    expect(svg).toContain('>Parity band 0.80 to 1.25</text>');
    expect(svg).toContain('Outside it: Alpha Hospitals NHS Trust, 2024: 1.88.</desc>');
    // Each provider's name leads to its own trends.
    expect(html).toContain(`href="${trendsOf(world.providerB.id)}"`);
  });

  test('indicators without one number per provider (survey percentages) show the table only', async () => {
    const html = (await viewer.get(icbOf('5')).expect(200)).text;
    expect(html).not.toContain('app-chart');
    expect(textOf(html)).toContain('Alpha Hospitals NHS Trust Not entered Not entered. Not yet reviewed');
  });

  test('the index lists every indicator of the standard; unknown standards and indicators are not found', async () => {
    const index = textOf(
      (await viewer.get(pathTo(paths.workforce.icb, { standard: 'wdes' })).expect(200)).text,
    );
    expect(index).toContain('WDES metric 1:');
    expect(index).toContain('WDES metric 9a:');
    await manager.get(pathTo(paths.workforce.icb, { standard: 'eds' })).expect(404);
    await manager.get(icbOf('99')).expect(404);
    await manager.get(trendsOf(world.providerA.id, 'gpg')).expect(404);
  });
});

describe('isolation', () => {
  test("a provider's people see only their own providers' figures, never the view across providers", async () => {
    for (const agent of [leadA, leadB]) {
      await agent.get(pathTo(paths.workforce.icb, { standard: 'wres' })).expect(403);
      await agent.get(icbOf('2')).expect(403);
      await agent.get(icbOf('1', 'wdes')).expect(403);
    }
    const refused = await leadB.get(trendsOf(world.providerA.id)).expect(404);
    expect(refused.text).not.toContain('1.88');
    expect(refused.text).not.toContain('Alpha Hospitals');
    await leadA.get(trendsOf(world.providerB.id, 'wdes')).expect(404);
  });
});
