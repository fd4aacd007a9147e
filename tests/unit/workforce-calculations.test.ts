import {
  boardGap,
  declarationRate,
  relativeLikelihood,
  representation,
  surveyPercentages,
  surveyScores,
  twoDecimals,
} from '../../src/workforce/calculations.js';
import { calculate, entriesOf } from '../../src/workforce/entry.js';
import type { IndicatorDefinition, WorkforceStandard } from '../../src/workforce/indicator-file.schema.js';
import { readWorkforceStandards } from '../../src/workforce/indicator-files.js';

// Every figure below is worked out by hand in the comment beside it; the definitions, parity band and
// small-number threshold come from data/workforce-standards, as the app reads them.

const standards = readWorkforceStandards();

function standard(code: 'WRES' | 'WDES'): WorkforceStandard {
  const found = standards.find((candidate) => candidate.code === code);
  if (!found) throw new Error(`no ${code}`);
  return found;
}

function indicator<K extends IndicatorDefinition['kind']>(
  code: 'WRES' | 'WDES',
  indicatorCode: string,
  kind: K,
): Extract<IndicatorDefinition, { kind: K }> {
  const found = standard(code).indicators.find((candidate) => candidate.code === indicatorCode);
  if (found?.kind !== kind) throw new Error(`no ${kind} ${code} ${indicatorCode}`);
  return found as Extract<IndicatorDefinition, { kind: K }>;
}

const WRES = standard('WRES');
const WDES = standard('WDES');
const wres2 = indicator('WRES', '2', 'relative-likelihood');
const wres3 = indicator('WRES', '3', 'relative-likelihood');
const wdes2 = indicator('WDES', '2', 'relative-likelihood');
const wdes3 = indicator('WDES', '3', 'relative-likelihood');

describe('the definitions', () => {
  test('WRES has indicators 1 to 9 and WDES metrics 1 to 10 (9a and 9b) with the declaration rate, parity band 0.80-1.25', () => {
    expect(WRES.indicators.map((item) => item.code)).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(WDES.indicators.map((item) => item.code)).toEqual([
      '1',
      '2',
      '3',
      '4a',
      '4b',
      '5',
      '6',
      '7',
      '8',
      '9a',
      '9b',
      '10',
    ]);
    // WRES bands 1 to 9 and VSM are as published; the WDES clusters are still to verify, so marked so.
    expect(indicator('WRES', '1', 'representation').bandsVerified).toBe(true);
    expect(indicator('WDES', '1', 'representation').bandsVerified).toBe(false);
    expect(WDES.recordsDeclarationRate).toBe(true);
    expect([WRES.parityBand.low, WRES.parityBand.high]).toEqual([0.8, 1.25]);
    // The small-number threshold is a local choice, marked so.
    expect(WRES.smallNumbers).toMatchObject({ below: 10, verified: false });
  });
});

describe('relative likelihoods', () => {
  test('WRES 2: White 45 of 300 appointed, BME 12 of 150: 0.150 ÷ 0.080 = 1.875, shown 1.88, outside parity', () => {
    const result = relativeLikelihood(WRES, wres2, { events: 45, outOf: 300 }, { events: 12, outOf: 150 });
    expect(result).toEqual({
      ok: true,
      value: 1.875,
      shown: '1.88',
      formula: '(45 ÷ 300) ÷ (12 ÷ 150) = 0.1500 ÷ 0.0800 = 1.88',
      flags: [{ kind: 'outside-parity', text: 'Outside the parity band of 0.80 to 1.25' }],
    });
  });

  test('WRES 2: 47 of 100 against 15 of 100: 0.47 ÷ 0.15 = 3.1333, shown 3.13', () => {
    const result = relativeLikelihood(WRES, wres2, { events: 47, outOf: 100 }, { events: 15, outOf: 100 });
    expect(result).toMatchObject({ ok: true, shown: '3.13' });
  });

  test('WRES 3: BME 6 of 400, White 20 of 1,600: 0.015 ÷ 0.0125 = 1.20, inside the band, no flags', () => {
    const result = relativeLikelihood(WRES, wres3, { events: 6, outOf: 400 }, { events: 20, outOf: 1600 });
    expect(result).toEqual({
      ok: true,
      value: expect.closeTo(1.2, 10) as unknown,
      shown: '1.20',
      formula: '(6 ÷ 400) ÷ (20 ÷ 1600) = 0.0150 ÷ 0.0125 = 1.20',
      flags: [],
    });
  });

  test('the band edges: 0.80 and 1.25 are inside, 0.79 and 1.26 outside', () => {
    const shownAndFlags = (top: number, bottom: number) => {
      const result = relativeLikelihood(
        WRES,
        wres3,
        { events: top, outOf: 1000 },
        { events: bottom, outOf: 1000 },
      );
      if (!result.ok) throw new Error(result.problems.join());
      return [result.shown, result.flags.map((flag) => flag.kind)];
    };
    expect(shownAndFlags(80, 100)).toEqual(['0.80', []]); // 0.08 ÷ 0.10
    expect(shownAndFlags(125, 100)).toEqual(['1.25', []]); // 0.125 ÷ 0.10
    expect(shownAndFlags(79, 100)).toEqual(['0.79', ['outside-parity']]);
    expect(shownAndFlags(126, 100)).toEqual(['1.26', ['outside-parity']]);
  });

  test('WDES 2 and 3 with a small group: flagged, naming the group', () => {
    // Non-disabled 60 of 400 = 0.15; Disabled 2 of 8 = 0.25; 0.15 ÷ 0.25 = 0.60.
    const shortlisting = relativeLikelihood(WDES, wdes2, { events: 60, outOf: 400 }, { events: 2, outOf: 8 });
    expect(shortlisting).toEqual({
      ok: true,
      value: 0.6,
      shown: '0.60',
      formula: '(60 ÷ 400) ÷ (2 ÷ 8) = 0.1500 ÷ 0.2500 = 0.60',
      flags: [
        { kind: 'outside-parity', text: 'Outside the parity band of 0.80 to 1.25' },
        {
          kind: 'small-numbers',
          text: 'Small numbers: only 8 Disabled staff shortlisted, fewer than 10; read with care',
        },
      ],
    });
    // Disabled 3 of 150 = 0.02; non-disabled 30 of 3,000 = 0.01; 0.02 ÷ 0.01 = 2.00.
    expect(
      relativeLikelihood(WDES, wdes3, { events: 3, outOf: 150 }, { events: 30, outOf: 3000 }),
    ).toMatchObject({
      ok: true,
      shown: '2.00',
      formula: '(3 ÷ 150) ÷ (30 ÷ 3000) = 0.0200 ÷ 0.0100 = 2.00',
    });
  });

  test('every refusal, with its message', () => {
    const refused = (top: { events: number; outOf: number }, bottom: { events: number; outOf: number }) => {
      const result = relativeLikelihood(WRES, wres2, top, bottom);
      if (result.ok) throw new Error('expected a refusal');
      return result.problems;
    };
    expect(refused({ events: 50, outOf: 40 }, { events: 1, outOf: 10 })).toEqual([
      'The number of White staff appointed (50) cannot be more than the number shortlisted (40)',
    ]);
    expect(refused({ events: -1, outOf: 40 }, { events: 1.5, outOf: 10 })).toEqual([
      'The number of White staff appointed must be a whole number, 0 or more',
      'The number of Black and minority ethnic (BME) staff appointed must be a whole number, 0 or more',
    ]);
    expect(refused({ events: 1, outOf: 10 }, { events: 0, outOf: 0 })).toEqual([
      'No Black and minority ethnic (BME) staff were shortlisted, so the likelihood cannot be worked out',
    ]);
    expect(refused({ events: 1, outOf: 10 }, { events: 0, outOf: 12 })).toEqual([
      'No Black and minority ethnic (BME) staff appointed, so the likelihood cannot be worked out (it would divide by zero)',
    ]);
  });

  test('two decimals round halves up', () => {
    expect(twoDecimals(1.005)).toBe('1.01');
    expect(twoDecimals(0.125)).toBe('0.13');
    expect(twoDecimals(2)).toBe('2.00');
  });
});

describe('survey percentages, board gap and declaration rate', () => {
  test('percentages over 100, below 0 or missing are refused', () => {
    const wres5 = indicator('WRES', '5', 'survey-percentages');
    expect(surveyPercentages(WRES, wres5, { white: 27.4, bme: 31.2 })).toEqual({
      ok: true,
      values: { white: 27.4, bme: 31.2 },
    });
    expect(surveyPercentages(WRES, wres5, { white: 100.5, bme: -1 })).toEqual({
      ok: false,
      problems: [
        'The percentage for White staff cannot be over 100',
        'The percentage for Black and minority ethnic (BME) staff cannot be below 0',
      ],
    });
    expect(surveyPercentages(WDES, indicator('WDES', '8', 'survey-percentages'), {})).toEqual({
      ok: false,
      problems: ['Enter the percentage for Disabled staff'],
    });
  });

  test('WRES 9: 2 of 12 board members against 900 of 4,500 staff: 16.7% − 20.0% = −3.3 points', () => {
    const wres9 = indicator('WRES', '9', 'board-gap');
    expect(
      boardGap(WRES, wres9, { boardGroup: 2, boardTotal: 12, workforceGroup: 900, workforceTotal: 4500 }),
    ).toEqual({
      ok: true,
      value: expect.closeTo(-3.333, 3) as unknown,
      shown: '-3.3 percentage points',
      formula: '(2 ÷ 12 × 100) − (900 ÷ 4500 × 100) = 16.7% − 20.0% = -3.3 percentage points',
    });
    // WDES 10: 3 of 10 against 250 of 5,000: 30.0% − 5.0% = +25.0 points.
    expect(
      boardGap(WDES, indicator('WDES', '10', 'board-gap'), {
        boardGroup: 3,
        boardTotal: 10,
        workforceGroup: 250,
        workforceTotal: 5000,
      }),
    ).toMatchObject({ ok: true, shown: '+25.0 percentage points' });
  });

  test('board refusals', () => {
    const wres9 = indicator('WRES', '9', 'board-gap');
    expect(
      boardGap(WRES, wres9, { boardGroup: 13, boardTotal: 12, workforceGroup: 5000, workforceTotal: 4500 }),
    ).toEqual({
      ok: false,
      problems: [
        'Black and minority ethnic (BME) board members (13) cannot be more than the whole board (12)',
        'Black and minority ethnic (BME) staff (5000) cannot be more than the whole workforce (4500)',
      ],
    });
    expect(
      boardGap(WRES, wres9, { boardGroup: 0, boardTotal: 0, workforceGroup: 0, workforceTotal: 0 }),
    ).toEqual({
      ok: false,
      problems: [
        'Enter the number of board members: it cannot be 0',
        'Enter the number of staff: it cannot be 0',
      ],
    });
    expect(
      boardGap(WRES, wres9, { boardGroup: 1.5, boardTotal: 12, workforceGroup: 9, workforceTotal: 90 }),
    ).toEqual({
      ok: false,
      problems: [
        'The number of Black and minority ethnic (BME) board members must be a whole number, 0 or more',
      ],
    });
  });

  test('WDES declaration rate: 3,100 of 5,000 staff declared = 62.0%; refusals', () => {
    expect(declarationRate(3100, 5000)).toEqual({ ok: true, value: 62, shown: '62.0%' });
    expect(declarationRate(5001, 5000)).toEqual({
      ok: false,
      problems: ['Staff who declared (5001) cannot be more than the whole workforce (5000)'],
    });
    expect(declarationRate(0, 0)).toEqual({
      ok: false,
      problems: ['Enter the number of staff: it cannot be 0'],
    });
    expect(declarationRate(-2, 10)).toEqual({
      ok: false,
      problems: ['The numbers of staff must be whole numbers, 0 or more'],
    });
  });
});

describe('representation by band (WRES 1, WDES 1)', () => {
  const wres1 = indicator('WRES', '1', 'representation');
  // Non-clinical band 2: White 30, BME 10. Clinical band 5: White 50, BME 40, unknown 10. Clinical
  // VSM: White 6, BME 2. Every other band 0.
  const entered: Record<string, number> = {
    'non-clinical-2-white': 30,
    'non-clinical-2-bme': 10,
    'clinical-5-white': 50,
    'clinical-5-bme': 40,
    'clinical-5-unknown': 10,
    'clinical-vsm-white': 6,
    'clinical-vsm-bme': 2,
  };
  const count = (section: string, band: string, group: string) => entered[`${section}-${band}-${group}`] ?? 0;

  test('each group’s share of each band, each section and the whole workforce, to one decimal', () => {
    const result = representation(WRES, wres1, count);
    if (!result.ok) throw new Error(result.problems.join());
    // Whole workforce 40 + 100 + 8 = 148; BME 10 + 40 + 2 = 52: 52 ÷ 148 × 100 = 35.135… = 35.1%.
    expect(result.value).toBeCloseTo(35.135, 3);
    expect(result.shown).toBe('Black and minority ethnic (BME) staff: 35.1% of the workforce');
    expect(result.formula).toContain('= 52 ÷ 148 × 100 = 35.1%');
    const percents = (band: { shares: { percent: number | undefined }[] }) =>
      band.shares.map((share) =>
        share.percent === undefined ? undefined : Math.round(share.percent * 10) / 10,
      );
    // White 86 ÷ 148 = 58.1%, unknown 10 ÷ 148 = 6.8%.
    expect(percents(result.workforce)).toEqual([58.1, 35.1, 6.8]);
    const [nonClinical, clinical] = result.sections;
    // Non-clinical band 2: 30 ÷ 40 = 75.0%, 10 ÷ 40 = 25.0%; band 1 has no staff.
    expect(percents(nonClinical?.bands[1] ?? { shares: [] })).toEqual([75, 25, 0]);
    expect(percents(nonClinical?.bands[0] ?? { shares: [] })).toEqual([undefined, undefined, undefined]);
    // Clinical: 108 staff; White 56 ÷ 108 = 51.9%, BME 42 ÷ 108 = 38.9%, unknown 10 ÷ 108 = 9.3%.
    expect(clinical?.total.total).toBe(108);
    expect(percents(clinical?.total ?? { shares: [] })).toEqual([51.9, 38.9, 9.3]);
    // Clinical VSM: 8 staff, under 10: flagged.
    expect(result.flags).toEqual([
      {
        kind: 'small-numbers',
        text: 'Small numbers: fewer than 10 staff in clinical Very senior managers (VSM); read those shares with care',
      },
    ]);
  });

  test('the page’s tables: one per section, the section’s total and the whole workforce under each', () => {
    const entry = entriesOf(WRES).find((item) => item.code === '1');
    if (!entry) throw new Error('no WRES 1');
    expect(entry.fields).toHaveLength(2 * 13 * 3);
    const inputs = Object.fromEntries(entry.fields.map((field) => [field.name, entered[field.name] ?? 0]));
    const outcome = calculate(WRES, entry, inputs);
    if (!outcome.ok) throw new Error('refused');
    const clinical = outcome.result.tables[1];
    expect(clinical?.head).toEqual([
      'Band',
      'White staff',
      'Black and minority ethnic (BME) staff',
      'Unknown ethnicity staff',
      'All staff',
    ]);
    expect(clinical?.rows.find((row) => row[0] === 'Band 5')).toEqual([
      'Band 5',
      '50.0% (50)',
      '40.0% (40)',
      '10.0% (10)',
      '100',
    ]);
    expect(clinical?.rows.at(-2)).toEqual([
      'All clinical staff',
      '51.9% (56)',
      '38.9% (42)',
      '9.3% (10)',
      '108',
    ]);
    expect(clinical?.rows.at(-1)).toEqual([
      'Whole workforce',
      '58.1% (86)',
      '35.1% (52)',
      '6.8% (10)',
      '148',
    ]);
    expect(outcome.result.tables[0]?.rows[0]).toEqual(['Band 1', '0', '0', '0', '0']);
  });

  test('refusals: no staff at all, or a count that is not a whole number', () => {
    expect(representation(WRES, wres1, () => 0)).toEqual({
      ok: false,
      problems: ['Enter the staff in each band: there must be at least 1 member of staff'],
    });
    const refused = representation(WRES, wres1, (section, band, group) =>
      section === 'clinical' && band === '8a' && group === 'bme' ? 2.5 : 1,
    );
    expect(refused).toEqual({
      ok: false,
      problems: [
        'The number of Black and minority ethnic (BME) staff, clinical staff, Band 8a must be a whole number, 0 or more',
      ],
    });
  });

  test('WDES 1 uses the clusters, clinical with the three medical and dental ones', () => {
    const wdes1 = indicator('WDES', '1', 'representation');
    expect(wdes1.sections.map((section) => section.bands.length)).toEqual([4, 7]);
    // 3 Disabled of 60 in clinical cluster 2 only: 3 ÷ 60 × 100 = 5.0%.
    const result = representation(WDES, wdes1, (section, band, group) =>
      section === 'clinical' && band === 'cluster-2'
        ? group === 'disabled'
          ? 3
          : group === 'non-disabled'
            ? 45
            : 12
        : 0,
    );
    expect(result).toMatchObject({ ok: true, shown: 'Disabled staff: 5.0% of the workforce', flags: [] });
  });
});

describe('survey scores (WDES 9a, staff engagement 0 to 10)', () => {
  const wdes9a = indicator('WDES', '9a', 'survey-scores');

  test('Disabled 6.5, non-disabled 7.0, all staff 6.9: the gap 7.0 − 6.5 = +0.5 points', () => {
    const entry = entriesOf(WDES).find((item) => item.code === '9a');
    if (!entry) throw new Error('no WDES 9a');
    expect(entry.fields.map((field) => field.name)).toEqual(['disabled', 'non-disabled', 'overall']);
    const outcome = calculate(WDES, entry, { disabled: 6.5, 'non-disabled': 7, overall: 6.9 });
    expect(outcome).toMatchObject({
      ok: true,
      result: {
        shown: 'Disabled staff: 6.5; Non-disabled staff: 7.0; All staff: 6.9',
        formula: 'Non-disabled staff 7.0 − Disabled staff 6.5 = +0.5 points',
      },
    });
  });

  test('scores off the scale or missing are refused', () => {
    expect(surveyScores(WDES, wdes9a, { disabled: -0.1, 'non-disabled': 10.5 })).toEqual({
      ok: false,
      problems: [
        'The score for Disabled staff cannot be below 0',
        'The score for Non-disabled staff cannot be over 10',
        'Enter the score for all staff',
      ],
    });
  });
});
