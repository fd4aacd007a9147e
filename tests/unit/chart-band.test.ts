import { join } from 'node:path';
import ejs from 'ejs';
import { VIEWS_DIR } from '../../src/project-root.js';
import { buildBarChart, CHART_LAYOUT } from '../../src/trends/chart.js';

// The parity band on the WRES and WDES charts (views/trends/_chart.ejs drawing src/trends/chart.ts's
// geometry): a shaded area between two dashed lines at the band's edges, its label above the plot, and
// the text alternative naming each figure outside it, so the band is never only seen.

const band = { low: 0.8, high: 1.25, label: 'Parity band 0.80 to 1.25' };

const chart = buildBarChart({
  title: 'WRES indicator 2 across providers',
  description: 'A bar for each data year.',
  valueLabel: 'Relative likelihood',
  band,
  groups: [
    {
      label: 'Alpha & <Beta> NHS Trust',
      bars: [
        { label: '2024', value: 1.875, text: '1.88', outside: true },
        { label: '2025', value: 1.2, text: '1.20', outside: false },
      ],
    },
    // A year with no figure is drawn as 0 but is not "outside" (the caller says so, not the value).
    {
      label: 'Gamma',
      bars: [
        { label: '2025', value: 0, text: 'Not submitted', outside: false },
        { label: '2026', value: 0.62, text: '0.62', outside: true },
      ],
    },
  ],
});

function render(geometry = chart): Promise<string> {
  return ejs.renderFile(join(VIEWS_DIR, 'trends', '_chart.ejs'), { chart: geometry, id: 'chart-test' });
}

const attribute = (svg: string, element: RegExp, name: string) =>
  [...svg.matchAll(element)].map((match) => Number(new RegExp(`${name}="([^"]+)"`).exec(match[0])?.[1]));

test('the band sits at its values on the axis, across the whole plot, with room for its label above', () => {
  // Largest figure 1.875: the axis runs to 2, so 0.80 is 40% and 1.25 is 62.5% of the plot.
  const { plotWidth, labelWidth, top, bandLabelHeight } = CHART_LAYOUT;
  expect(chart.band?.lowX).toBeCloseTo(labelWidth + plotWidth * 0.4);
  expect(chart.band?.highX).toBeCloseTo(labelWidth + plotWidth * 0.625);
  expect(chart.band?.y2).toBe(chart.axis.y2);
  expect(chart.bars[0]?.y).toBe(top + bandLabelHeight + CHART_LAYOUT.groupHeaderHeight);
  expect(chart.band?.y1).toBeLessThan(chart.bars[0]?.y ?? 0);
  expect(chart.band?.labelY).toBeLessThan(chart.band?.y1 ?? 0);
});

test('the band stays in view when every figure is below it', () => {
  const small = buildBarChart({
    title: 't',
    description: 'd',
    valueLabel: 'v',
    band,
    groups: [{ label: 'A', bars: [{ label: '2025', value: 0.3, text: '0.30', outside: true }] }],
  });
  // Without the band the axis would end at 0.5; with it, at 2 (a round number above 1.25).
  expect(small.axis.ticks.map((tick) => tick.label)).toEqual(['0', '1', '2']);
  expect(small.band?.highX).toBeLessThanOrEqual(CHART_LAYOUT.labelWidth + CHART_LAYOUT.plotWidth);
});

test('the SVG draws the shaded band, its two dashed edges and its label, behind the bars', async () => {
  const svg = await render();
  const area = /<rect class="app-chart__band-area"[^>]*>/g;
  const edges = /<line class="app-chart__band-edge"[^>]*>/g;
  expect(attribute(svg, area, 'x')).toEqual([chart.band?.lowX]);
  expect(attribute(svg, area, 'width')[0]).toBeCloseTo((chart.band?.highX ?? 0) - (chart.band?.lowX ?? 0));
  expect(attribute(svg, edges, 'x1')).toEqual([chart.band?.lowX, chart.band?.highX]);
  expect(attribute(svg, edges, 'y2')).toEqual([chart.axis.y2, chart.axis.y2]);
  expect(svg).toContain('>Parity band 0.80 to 1.25</text>');
  expect(svg.indexOf('app-chart__band-area')).toBeLessThan(svg.indexOf('app-chart__bar'));
});

test('the text alternative names each figure outside the band, escaped; none outside says so', async () => {
  const svg = await render();
  expect(svg).toContain(
    '<desc id="chart-test-desc">A bar for each data year. Parity band 0.80 to 1.25: shaded between two dashed lines. Outside it: Alpha &amp; &lt;Beta&gt; NHS Trust, 2024: 1.88; Gamma, 2026: 0.62.</desc>',
  );
  expect(svg).not.toContain('<Beta>');
  const inside = buildBarChart({
    title: 't',
    description: 'd.',
    valueLabel: 'v',
    band,
    groups: [{ label: 'A', bars: [{ label: '2025', value: 1, text: '1.00', outside: false }] }],
  });
  expect(inside.description).toBe(
    'd. Parity band 0.80 to 1.25: shaded between two dashed lines. No figure is outside it.',
  );
});

test('a chart without a band draws none and keeps its description and layout', async () => {
  const plain = buildBarChart({
    title: 't',
    description: 'd.',
    valueLabel: 'v',
    groups: [{ label: 'A', bars: [{ label: '2025', value: 4 }] }],
  });
  expect(plain.band).toBeUndefined();
  expect(plain.description).toBe('d.');
  expect(plain.bars[0]?.y).toBe(CHART_LAYOUT.top + CHART_LAYOUT.groupHeaderHeight);
  expect(await render(plain)).not.toContain('app-chart__band');
});
