import { buildBarChart, CHART_LAYOUT, niceMaximum } from '../../src/trends/chart.js';
import { buildTrends, NOT_FULLY_RATED, overallResult, type TrendsBasis } from '../../src/trends/trends.js';
import { computeResults } from '../../src/frameworks/results.js';

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
  versionCode: '2025',
  versionName: 'AIS 2025',
  groupLabel: 'Step',
  groups: [
    { code: '1', title: 'Ask', position: 1 },
    { code: '2', title: 'Record', position: 2 },
  ],
  levels: [
    { code: 'basic', label: 'Basic', score: 1, position: 1, colour: null },
    { code: 'advanced', label: 'Advanced', score: 3, position: 2, colour: null },
  ],
  bands: [],
};

function snapshot(ratings: [string, string | null][]) {
  return {
    responses: ratings.map(([code, rating]) => ({
      groupCode: code.split('.')[0] ?? code,
      requirementCode: code,
      requirementTitle: code,
      ratingLevelCode: rating,
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
    );
    expect(trends).toHaveLength(1);
    const [ais] = trends;
    expect(ais?.resultLabel).toBe('Weakest step');
    expect(ais?.resultLabels).toEqual(['Basic', 'Advanced', NOT_FULLY_RATED]);
    expect(ais?.periods.map((period) => period.label)).toEqual(['2025/26', '2026/27']);
    expect(ais?.periods[0]?.states.find((state) => state.label === 'In progress')?.count).toBe(1);
    expect(ais?.periods[1]?.total).toBe(4);
    expect(ais?.periods[1]?.states.map((state) => state.count)).toEqual([0, 0, 2, 1, 1]);
    expect(ais?.periods[1]?.results).toEqual([
      { label: 'Basic', count: 1 },
      { label: 'Advanced', count: 1 },
      { label: NOT_FULLY_RATED, count: 1 },
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
