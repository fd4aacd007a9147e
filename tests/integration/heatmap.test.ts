import type pg from 'pg';
import { paths } from '../../src/paths.js';
import { buildTestApp, signedInAgent } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import {
  createContract,
  createPeriod,
  createProvider,
  createReturn,
  createTwoProviderWorld,
  frameworkVersion,
  importTestStandards,
} from '../support/fixtures.js';
import {
  answerReturn,
  changeAnswer,
  submitReturn,
  tableRowTexts,
  textOf,
} from '../support/review-fixtures.js';

// The heat map: each cell the rating of the latest SUBMISSION as text (with a colour class that
// only repeats it), "Not rated" for unrated requirements, accessible table semantics, and a number of
// SQL statements that does not grow with the number of providers.

// Frozen, so the session's expiry is written at sign-in and never again: the statement counts below
// hold however long the test takes.
const NOW = new Date('2027-04-10T12:00:00.000Z');

let db: TestDatabase;
let app: ReturnType<typeof buildTestApp>;
let world: Awaited<ReturnType<typeof createTwoProviderWorld>>;

beforeAll(async () => {
  db = await createTestDatabase();
  await importTestStandards(db.prisma);
  app = buildTestApp(db, { clock: () => NOW });
  world = await createTwoProviderWorld(db.prisma);
});
afterAll(async () => {
  await db.drop();
});

function heatmapUrl(versionId: string, periodId: string): string {
  return `${paths.heatmap}?standard=${versionId}&period=${periodId}`;
}

/** The cells (td) of the body row whose header names the provider. */
function cellsOf(html: string, providerName: string): { text: string; classes: string }[] {
  const body = /<tbody[^>]*>([\s\S]*?)<\/tbody>/.exec(html)?.[1] ?? '';
  const row = [...body.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)]
    .map((match) => match[1] ?? '')
    .find((item) => textOf(item).includes(providerName));
  if (!row) throw new Error(`No row for ${providerName}`);
  return [...row.matchAll(/<td class="([^"]*)">([\s\S]*?)<\/td>/g)].map((match) => ({
    classes: match[1] ?? '',
    text: textOf(match[2] ?? ''),
  }));
}

/** The requirement codes of the column headers, in order. */
function columnCodes(html: string): string[] {
  return [...html.matchAll(/<th scope="col"[^>]*><abbr title="[^"]*">([^<]*)<\/abbr>/g)].map(
    (match) => match[1] ?? '',
  );
}

test('EDS 2022 cells show the level and its score; unrated requirements say "Not rated"', async () => {
  const eds = await frameworkVersion(db.prisma, 'EDS', '2022');
  const returnRow = await createReturn(db.prisma, {
    contractId: world.contractA.id,
    providerId: world.providerA.id,
    frameworkVersionId: eds.id,
    periodId: world.period.id,
  });
  await answerReturn(db.prisma, returnRow.id, world.leadA.id, (code) => {
    if (code === '1A') return { rating: 'undeveloped' };
    if (code === '1B') return { rating: null };
    if (code === '2A') return { rating: 'achieving' };
    return undefined;
  });
  await submitReturn(db.prisma, returnRow.id, world.leadA.id);
  // Later draft edits never show: the heat map is what was submitted.
  await changeAnswer(db.prisma, returnRow.id, '2A', { rating: 'developing' });

  const agent = await signedInAgent(app, world.viewer.id);
  const response = await agent.get(heatmapUrl(eds.id, world.period.id)).expect(200);
  const codes = columnCodes(response.text);
  expect(codes).toEqual(['1A', '1B', '1C', '1D', '2A', '2B', '2C', '2D', '3A', '3B', '3C']);
  const cells = cellsOf(response.text, world.providerA.name);
  const byCode = Object.fromEntries(codes.map((code, index) => [code, cells[index]]));
  expect(byCode['1A']).toEqual({
    text: 'Undeveloped (0)',
    classes: expect.stringContaining('app-heatmap__cell--red') as unknown,
  });
  expect(byCode['1B']).toEqual({
    text: 'Not rated',
    classes: expect.stringContaining('app-heatmap__cell--none') as unknown,
  });
  expect(byCode['2A']?.text).toBe('Achieving (2)');
  expect(byCode['2A']?.classes).toContain('app-heatmap__cell--green');
  expect(byCode['3C']?.text).toBe('Excelling (3)');
  expect(byCode['3C']?.classes).toContain('app-heatmap__cell--purple');
});

test('EDS2 cells show the grade, AIS cells the maturity level, as text', async () => {
  const eds2 = await frameworkVersion(db.prisma, 'EDS', '2');
  const edsReturn = await createReturn(db.prisma, {
    contractId: world.contractA.id,
    providerId: world.providerA.id,
    frameworkVersionId: eds2.id,
    periodId: world.period.id,
  });
  await answerReturn(db.prisma, edsReturn.id, world.leadA.id, (code) =>
    code === '1.1' ? { rating: 'developing' } : undefined,
  );
  await submitReturn(db.prisma, edsReturn.id, world.leadA.id);

  await answerReturn(db.prisma, world.returnA.id, world.leadA.id, (code) =>
    code === '1.1' ? { rating: 'basic' } : code === '1.2' ? { rating: 'intermediate' } : undefined,
  );
  await submitReturn(db.prisma, world.returnA.id, world.leadA.id);

  const agent = await signedInAgent(app, world.manager.id);
  const eds2Page = await agent.get(heatmapUrl(eds2.id, world.period.id)).expect(200);
  const eds2Cells = cellsOf(eds2Page.text, world.providerA.name);
  expect(eds2Cells[0]).toEqual({
    text: 'Developing',
    classes: expect.stringContaining('--orange') as unknown,
  });
  expect(eds2Cells[1]?.text).toBe('Excelling');
  // A key under the heading: each grade's colour with its name, in scale order, then "Not rated".
  const legend = eds2Page.text.slice(
    eds2Page.text.indexOf('id="heatmap-legend"'),
    eds2Page.text.indexOf('</ul>', eds2Page.text.indexOf('id="heatmap-legend"')),
  );
  expect(
    [...legend.matchAll(/app-heatmap__cell--([a-z]+)">([^<]+)</g)].map((match) => `${match[2]}: ${match[1]}`),
  ).toEqual([
    'Undeveloped: red',
    'Developing: orange',
    'Achieving: green',
    'Excelling: purple',
    'Not rated: none',
  ]);

  const aisPage = await agent.get(heatmapUrl(world.ais.id, world.period.id)).expect(200);
  const aisCells = cellsOf(aisPage.text, world.providerA.name).map((cell) => cell.text);
  expect(aisCells.slice(0, 3)).toEqual(['Basic', 'Intermediate', 'Exemplar']);
  // Provider B has not submitted: counted, not shown.
  expect(tableRowTexts(aisPage.text).some((row) => row.includes(world.providerB.name))).toBe(false);
  expect(textOf(aisPage.text)).toContain('1 return has not been submitted yet and is not shown');
  expect(textOf(aisPage.text)).toContain('latest submission');
});

test('the heat map is an accessible table in a labelled, keyboard-scrollable region', async () => {
  const agent = await signedInAgent(app, world.admin.id);
  const html = (await agent.get(heatmapUrl(world.ais.id, world.period.id)).expect(200)).text;
  // A section with a name is a region (html-validate prefers it to a div with role="region").
  expect(html).toMatch(/<section class="app-heatmap" aria-labelledby="heatmap-caption" tabindex="0">/);
  expect(html).toMatch(/<caption[^>]*id="heatmap-caption"[^>]*>Ratings by provider and requirement/);
  expect(html).toContain('<th scope="col" class="nhsuk-table__header">Provider</th>');
  expect(html).toMatch(
    /<th scope="col"[^>]*><abbr title="[^"]+">1\.1<\/abbr><span class="nhsuk-u-visually-hidden"> [^<]+<\/span><\/th>/,
  );
  expect(html).toMatch(/<th scope="row"[^>]*><a href="\/providers\/[^"]+">Alpha Hospitals NHS Trust<\/a>/);
  expect(html).toMatch(
    /<a href="\/returns\/[^"]+">Submitted<span class="nhsuk-u-visually-hidden"> return of Alpha/,
  );
});

test('defaults to the newest period and one of its standards; anyone but staff is refused', async () => {
  const agent = await signedInAgent(app, world.viewer.id);
  const page = await agent.get(paths.heatmap).expect(200);
  expect(page.text).toContain('<h1>');
  expect(textOf(page.text)).toContain(world.period.label);
  const lead = await signedInAgent(app, world.leadA.id);
  await lead.get(paths.heatmap).expect(403);
});

describe('returns still in progress', () => {
  // A period of its own: one provider submitted, one in progress with saved answers, one not started.
  let periodId: string;
  let names: { submitted: string; inProgress: string; notStarted: string };

  beforeAll(async () => {
    const period = await createPeriod(db.prisma);
    periodId = period.id;
    const make = async () => {
      const provider = await createProvider(db.prisma);
      const contract = await createContract(db.prisma, provider.id, world.manager.id);
      const row = await createReturn(db.prisma, {
        contractId: contract.id,
        providerId: provider.id,
        frameworkVersionId: world.ais.id,
        periodId,
      });
      return { provider, row };
    };
    const [submitted, inProgress, notStarted] = [await make(), await make(), await make()];
    await answerReturn(db.prisma, submitted.row.id, world.leadA.id);
    await submitReturn(db.prisma, submitted.row.id, world.leadA.id);
    await answerReturn(db.prisma, inProgress.row.id, world.leadA.id, (code) =>
      code === '1.1' ? { rating: 'basic' } : code === '1.2' ? { rating: null } : undefined,
    );
    names = {
      submitted: submitted.provider.name,
      inProgress: inProgress.provider.name,
      notStarted: notStarted.provider.name,
    };
  });

  const url = (extra = '') => `${heatmapUrl(world.ais.id, periodId)}${extra}`;

  test('by default only submitted returns show; the choice is an unticked box of the GET form', async () => {
    const agent = await signedInAgent(app, world.viewer.id);
    const html = (await agent.get(url()).expect(200)).text;
    const rows = tableRowTexts(html);
    expect(rows.some((row) => row.includes(names.submitted))).toBe(true);
    expect(rows.some((row) => row.includes(names.inProgress))).toBe(false);
    expect(html).not.toContain('app-heatmap__cell--in-progress');
    expect(html).not.toContain('heatmap-legend-in-progress');
    expect(textOf(html)).toContain('2 returns have not been submitted yet and are not shown');
    expect(html).toMatch(/<form method="get" action="\/heatmap"/);
    expect(html).toMatch(
      /<input class="nhsuk-checkboxes__input" id="inProgress" name="inProgress" type="checkbox" value="yes"(?! checked)/,
    );
    // Anything but the box's value is the default.
    const junk = (await agent.get(url('&inProgress=no')).expect(200)).text;
    expect(tableRowTexts(junk)).toEqual(rows);
  });

  test('included: the saved answers of a return in progress, every cell marked in words, with a key', async () => {
    const agent = await signedInAgent(app, world.viewer.id);
    const html = (await agent.get(url('&inProgress=yes')).expect(200)).text;
    // The choice is kept: the box stays ticked, so the next "Show heat map" keeps it in the address.
    expect(html).toMatch(/id="inProgress" name="inProgress" type="checkbox" value="yes" checked/);
    const draft = cellsOf(html, names.inProgress);
    expect(draft[0]).toEqual({
      text: 'Basic (in progress)',
      classes: expect.stringMatching(/app-heatmap__cell--red app-heatmap__cell--in-progress/) as unknown,
    });
    expect(draft[1]?.text).toBe('Not rated (in progress)');
    expect(draft[2]?.text).toBe('Exemplar (in progress)');
    expect(draft.every((cell) => cell.text.endsWith('(in progress)'))).toBe(true);
    // The submitted row is unmarked, and says when it was submitted; the draft row that it was not.
    const submitted = cellsOf(html, names.submitted);
    expect(submitted.some((cell) => cell.text.includes('in progress'))).toBe(false);
    const rows = tableRowTexts(html);
    expect(rows.find((row) => row.includes(names.inProgress))).toMatch(
      /In progress return of [^,]+, not submitted yet/,
    );
    expect(rows.find((row) => row.includes(names.submitted))).toMatch(
      /Submitted return of [^,]+, submitted \d/,
    );
    expect(rows.some((row) => row.includes(names.notStarted))).toBe(false);
    const text = textOf(html);
    expect(text).toContain(
      '1 return in progress is shown with the answers saved so far, marked “(in progress)”',
    );
    expect(text).toContain('1 return has not been submitted yet and is not shown');
    expect(text).toContain('including returns in progress');
    expect(textOf(/<li id="heatmap-legend-in-progress">[\s\S]*?<\/li>/.exec(html)?.[0] ?? '')).toBe(
      'Rating (in progress) an answer saved in a return not yet submitted: it may still change',
    );
  });

  test('staff who may see every return may include them; a provider lead is refused either way', async () => {
    for (const user of [world.manager, world.admin]) {
      const agent = await signedInAgent(app, user.id);
      const html = (await agent.get(url('&inProgress=yes')).expect(200)).text;
      expect(cellsOf(html, names.inProgress)[0]?.text).toBe('Basic (in progress)');
    }
    const lead = await signedInAgent(app, world.leadA.id);
    await lead.get(url('&inProgress=yes')).expect(403);
    await lead.get(url()).expect(403);
  });
});

describe('number of SQL statements', () => {
  async function periodWithProviders(count: number): Promise<string> {
    const period = await createPeriod(db.prisma);
    for (let index = 0; index < count; index += 1) {
      const provider = await createProvider(db.prisma);
      const contract = await createContract(db.prisma, provider.id, world.manager.id);
      const row = await createReturn(db.prisma, {
        contractId: contract.id,
        providerId: provider.id,
        frameworkVersionId: world.ais.id,
        periodId: period.id,
      });
      await answerReturn(db.prisma, row.id, world.leadA.id);
      await submitReturn(db.prisma, row.id, world.leadA.id);
    }
    return period.id;
  }

  async function statementsFor(url: string): Promise<{ statements: number; rows: number }> {
    const agent = await signedInAgent(app, world.viewer.id);
    await agent.get(url).expect(200); // warm up (session, caches)
    // Every statement Prisma and the session store send goes through the pool's query method.
    const pool: pg.Pool = db.pool;
    const query = pool.query.bind(pool) as (...items: unknown[]) => unknown;
    let statements = 0;
    pool.query = ((...args: unknown[]) => {
      statements += 1;
      return query(...args);
    }) as typeof pool.query;
    try {
      const response = await agent.get(url).expect(200);
      return { statements, rows: tableRowTexts(response.text).length };
    } finally {
      // Back to the prototype's method.
      Reflect.deleteProperty(pool, 'query');
    }
  }

  test('including returns in progress adds no statement', async () => {
    const periodId = await periodWithProviders(3);
    const plain = await statementsFor(heatmapUrl(world.ais.id, periodId));
    const included = await statementsFor(`${heatmapUrl(world.ais.id, periodId)}&inProgress=yes`);
    expect(included.statements).toBe(plain.statements);
  });

  test('does not grow with the number of providers (5 vs 50)', async () => {
    const five = await statementsFor(heatmapUrl(world.ais.id, await periodWithProviders(5)));
    const fifty = await statementsFor(heatmapUrl(world.ais.id, await periodWithProviders(50)));
    expect(five.rows).toBe(5);
    expect(fifty.rows).toBe(50);
    expect(fifty.statements).toBe(five.statements);
    // The page's own five statements (periods, versions, requirements, bands, returns) at least.
    expect(five.statements).toBeGreaterThanOrEqual(5);
  });
});
