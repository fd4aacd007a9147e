import { buildBarChart, CHART_LAYOUT, niceMaximum } from '../../src/trends/chart.js';
import { buildTrends, NOT_FULLY_RATED, overallResult, type TrendsBasis } from '../../src/trends/trends.js';
import { computeResults } from '../../src/frameworks/results.js';
import type { VersionMapping } from '../../src/frameworks/version-mapping.schema.js';

describe('buildBarChart', () => {
  const chart = buildBarChart({
    title: 'Returns by state',
    description: 'Per period',
    valueLabel: 'Number of returns',
    groups: [
      {
        label: '2025/26',
        bars: [
          { label: 'Accepted', value: 4 },
          { label: 'Submitted', value: 1 },
        ],
      },
      {
        label: '2026/27',
        bars: [
          { label: 'Accepted', value: 0 },
          { label: 'Submitted', value: 2 },
        ],
      },
    ],
  });

  test('one bar per value, in order, each with its label and value, scaled to a round maximum', () => {
    expect(chart.bars.map((bar) => [bar.label, bar.value])).toEqual([
      ['Accepted', 4],
      ['Submitted', 1],
      ['Accepted', 0],
      ['Submitted', 2],
    ]);
    // Maximum 5: 4 is 80% of the plot width.
    expect(chart.bars[0]?.width).toBeCloseTo(CHART_LAYOUT.plotWidth * 0.8);
    expect(chart.bars[2]?.width).toBe(0);
    expect(chart.bars.every((bar) => bar.x === CHART_LAYOUT.labelWidth)).toBe(true);
    expect(chart.bars.every((bar) => bar.valueX === bar.x + bar.width + 6)).toBe(true);
    expect(chart.axis.ticks.map((tick) => tick.label)).toEqual(['0', '5']);
    // Without its own text a bar shows its value; with it (a likelihood to two decimals), that text.
    expect(chart.bars[0]?.text).toBe('4');
    const likelihood = buildBarChart({
      title: 'WRES indicator 2',
      description: 'Per provider',
      valueLabel: 'Relative likelihood',
      groups: [{ label: 'Alpha', bars: [{ label: '2025', value: 1.2, text: '1.20' }] }],
    });
    expect(likelihood.bars[0]?.text).toBe('1.20');
    expect(likelihood.axis.ticks.map((tick) => tick.label)).toEqual(['0', '1', '2']);
  });

  test('bars and group labels go down the page without overlapping; the height fits them and the axis', () => {
    const ys = chart.bars.map((bar) => bar.y);
    for (let index = 1; index < ys.length; index += 1) {
      expect(ys[index]).toBeGreaterThanOrEqual((ys[index - 1] ?? 0) + CHART_LAYOUT.barHeight);
    }
    expect(chart.groups.map((group) => group.label)).toEqual(['2025/26', '2026/27']);
    expect(chart.groups[1]?.y).toBeGreaterThan(chart.bars[1]?.y ?? Infinity);
    expect(chart.groups[1]?.y).toBeLessThan(chart.bars[2]?.y ?? 0);
    expect(chart.height).toBe(chart.axis.y2 + CHART_LAYOUT.axisHeight);
    expect(chart.axis.titleY).toBeLessThan(chart.height);
  });

  test('an empty or all-zero chart still has an axis from 0 to 1', () => {
    expect(niceMaximum(0)).toBe(1);
    expect(niceMaximum(7)).toBe(10);
    expect(niceMaximum(20)).toBe(20);
    expect(niceMaximum(21)).toBe(50);
    const empty = buildBarChart({ title: 't', description: 'd', valueLabel: 'n', groups: [] });
    expect(empty.bars).toEqual([]);
    expect(empty.axis.ticks.map((tick) => tick.label)).toEqual(['0', '1']);
  });
});

const AIS: TrendsBasis = {
  id: 'ais',
  frameworkCode: 'AIS',
  frameworkName: 'Accessible Information Standard',
  versionCode: '2025',
  versionName: 'AIS 2025',
  groupLabel: 'Step',
  groups: [
    { code: '1', title: 'Ask', position: 1 },
    { code: '2', title: 'Record', position: 2 },
    { code: '6', title: 'Review', position: 3 },
  ],
  levels: [
    { code: 'basic', label: 'Basic', score: 1, position: 1, colour: null },
    { code: 'advanced', label: 'Advanced', score: 3, position: 2, colour: null },
  ],
  bands: [],
};

const AIS_2016: TrendsBasis = {
  ...AIS,
  id: 'ais-2016',
  versionCode: '2016',
  versionName: 'AIS 2016',
  groups: [
    { code: '1', title: 'Identify needs', position: 1 },
    { code: '2', title: 'Record', position: 2 },
  ],
  levels: [
    { code: 'not-met', label: 'Not met', score: 0, position: 1, colour: null },
    { code: 'fully-met', label: 'Fully met', score: 2, position: 2, colour: null },
  ],
};

const MAPPING: VersionMapping = {
  framework: 'AIS',
  fromVersion: '2016',
  toVersion: '2025',
  summary: 'Steps carry over; ratings do not.',
  source: 's',
  verified: false,
  overallResult: { comparable: false, explanation: 'Different scales.', source: 's', verified: false },
  groups: {
    mapped: true,
    explanation: 'Steps 1 and 2 correspond; 6 is new.',
    source: 's',
    verified: false,
    pairs: [
      { from: '1', to: '1', note: 'n', source: 's', verified: false },
      { from: '2', to: '2', note: 'n', source: 's', verified: false },
      { from: null, to: '6', note: 'n', source: 's', verified: false },
    ],
  },
  requirements: { mapped: false, explanation: 'Not compared.', source: 's', verified: false, pairs: [] },
};

/** A stored snapshot (format 1) with these ratings; `null` unrated, 'n/a' not applicable. */
function snapshot(ratings: [string, string | null][]) {
  return {
    format: 1,
    returnId: 'r',
    provider: { odsCode: 'X', name: 'X' },
    framework: { code: 'AIS', versionCode: '2025', versionName: 'AIS 2025' },
    period: 'p',
    dueDate: '2026-03-31',
    responses: ratings.map(([code, rating]) => ({
      groupCode: code.split('.')[0] ?? code,
      requirementCode: code,
      requirementTitle: code,
      ratingLevelCode: rating === 'n/a' ? null : rating,
      ratingLevelLabel: null,
      ratingScore: null,
      narrative: '',
      actionPlan: '',
      actionOwner: '',
      actionDueDate: null,
      ...(rating === 'n/a' ? { notApplicable: true, notApplicableReason: 'No carers' } : {}),
      evidence: [],
    })),
  };
}

describe('buildTrends', () => {
  const p1 = { id: 'p1', label: '2025/26', startDate: new Date('2025-04-01') };
  const p2 = { id: 'p2', label: '2026/27', startDate: new Date('2026-04-01') };

  test('counts returns per state and results of standing submissions per period, oldest period first', () => {
    const trends = buildTrends(
      [AIS],
      [
        {
          status: 'accepted',
          frameworkVersionId: 'ais',
          period: p2,
          snapshot: snapshot([
            ['1.1', 'advanced'],
            ['2.1', 'advanced'],
          ]),
        },
        {
          status: 'submitted',
          frameworkVersionId: 'ais',
          period: p2,
          snapshot: snapshot([
            ['1.1', 'advanced'],
            ['2.1', 'basic'],
          ]),
        },
        {
          status: 'submitted',
          frameworkVersionId: 'ais',
          period: p2,
          snapshot: snapshot([
            ['1.1', null],
            ['2.1', 'basic'],
          ]),
        },
        // A returned return's submission does not stand: counted by state only.
        {
          status: 'returned',
          frameworkVersionId: 'ais',
          period: p2,
          snapshot: snapshot([
            ['1.1', 'advanced'],
            ['2.1', 'advanced'],
          ]),
        },
        { status: 'in_progress', frameworkVersionId: 'ais', period: p1, snapshot: undefined },
        { status: 'not_started', frameworkVersionId: 'other', period: p1, snapshot: undefined },
      ],
      [],
    );
    expect(trends).toHaveLength(1);
    const [ais] = trends;
    expect(ais?.versionNames).toEqual(['AIS 2025']);
    expect(ais?.comparability).toEqual([]);
    expect(ais?.groupTable).toBeNull();
    expect(ais?.rows.map((row) => [row.periodLabel, row.boundary])).toEqual([
      ['2025/26', null],
      ['2026/27', null],
    ]);
    expect(ais?.rows[0]?.states.find((state) => state.label === 'In progress')?.count).toBe(1);
    expect(ais?.rows[1]?.total).toBe(4);
    expect(ais?.rows[1]?.states.map((state) => state.count)).toEqual([0, 0, 2, 1, 1]);
    const [results] = ais?.resultTables ?? [];
    expect(results?.resultLabel).toBe('Weakest step');
    expect(results?.labels).toEqual(['Basic', 'Advanced', NOT_FULLY_RATED]);
    expect(results?.rows[1]?.results).toEqual([
      { label: 'Basic', count: 1 },
      { label: 'Advanced', count: 1 },
      { label: NOT_FULLY_RATED, count: 1 },
    ]);
  });

  test('one trend per standard across its versions: the change is marked, steps follow the mapping', () => {
    const returns = [
      {
        status: 'accepted' as const,
        frameworkVersionId: 'ais-2016',
        period: p1,
        snapshot: snapshot([
          ['1.1', 'fully-met'],
          ['2.1', 'not-met'],
        ]),
      },
      {
        status: 'submitted' as const,
        frameworkVersionId: 'ais',
        period: p2,
        // Step 6 answered "not applicable" only: it has no level, and the return is complete.
        snapshot: snapshot([
          ['1.1', 'advanced'],
          ['2.1', 'basic'],
          ['6.1', 'n/a'],
        ]),
      },
    ];
    const [mapped] = buildTrends([AIS, AIS_2016], returns, [MAPPING]);
    expect(mapped?.versionNames).toEqual(['AIS 2016', 'AIS 2025']);
    expect(mapped?.rows.map((row) => [row.periodLabel, row.versionName, row.boundary])).toEqual([
      ['2025/26', 'AIS 2016', null],
      ['2026/27', 'AIS 2025', 'Version changed here: from AIS 2016 to AIS 2025'],
    ]);
    expect(mapped?.comparability[0]).toBe('Steps carry over; ratings do not.');
    // Results are not comparable: one table per version.
    expect(mapped?.resultTables.map((table) => table.versionNames)).toEqual([['AIS 2016'], ['AIS 2025']]);
    expect(mapped?.resultTables[0]?.rows[0]?.results).toEqual([
      { label: 'Not met', count: 1 },
      { label: 'Fully met', count: 0 },
      { label: NOT_FULLY_RATED, count: 0 },
    ]);
    expect(mapped?.resultTables[1]?.rows[0]?.results[0]).toEqual({ label: 'Basic', count: 1 });
    expect(mapped?.groupTable?.columns).toEqual([
      'Step 1: Ask (2016: step 1, Identify needs)',
      'Step 2: Record',
      'Step 6: Review (2025 only)',
    ]);
    expect(mapped?.groupTable?.rows.map((row) => row.cells)).toEqual([
      ['1 Fully met', '1 Not met', 'Not in this version'],
      ['1 Advanced', '1 Basic', '1 Not applicable'],
    ]);

    // Without a mapping: states only across the change, no step table, an explanation saying so.
    const [unmapped] = buildTrends([AIS, AIS_2016], returns, []);
    expect(unmapped?.groupTable).toBeNull();
    expect(unmapped?.comparability[0]).toContain('No mapping between AIS 2016 and AIS 2025 is recorded');
    expect(unmapped?.rows[1]?.boundary).toBe('Version changed here: from AIS 2016 to AIS 2025');
  });

  test('a mapping that says results compare puts both versions in one results table, by label', () => {
    const comparable: VersionMapping = {
      ...MAPPING,
      overallResult: { ...MAPPING.overallResult, comparable: true, explanation: 'Compare by name.' },
    };
    const renamed = { ...AIS_2016, levels: AIS.levels };
    const [trend] = buildTrends(
      [AIS, renamed],
      [
        {
          status: 'accepted',
          frameworkVersionId: 'ais-2016',
          period: p1,
          snapshot: snapshot([['1.1', 'advanced']]),
        },
        { status: 'accepted', frameworkVersionId: 'ais', period: p2, snapshot: snapshot([['1.1', 'basic']]) },
      ],
      [comparable],
    );
    expect(trend?.resultTables).toHaveLength(1);
    expect(trend?.resultTables[0]?.note).toBe('Compare by name.');
    expect(
      trend?.resultTables[0]?.rows.map((row) => [row.boundary, row.results.map((item) => item.count)]),
    ).toEqual([
      [null, [0, 1, 0]],
      ['Version changed here: from AIS 2016 to AIS 2025', [1, 0, 0]],
    ]);
  });

  test('a return is as strong as its weakest step', () => {
    expect(
      overallResult(
        computeResults(
          snapshot([
            ['1.1', 'advanced'],
            ['2.1', 'basic'],
          ]).responses,
          AIS,
        ),
      ),
    ).toBe('Basic');
  });
});
