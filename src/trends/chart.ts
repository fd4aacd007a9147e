/**
 * Geometry of a horizontal grouped bar chart, a pure function of its data: the view (EJS) only draws
 * what this returns. Every bar carries its category name and its value as text (direct labels), so
 * nothing depends on colour.
 */

export interface ChartInput {
  title: string;
  description: string;
  /** The quantity the bars measure, for the axis: "Number of returns". */
  valueLabel: string;
  groups: readonly {
    label: string;
    /** Drawn as a dashed rule with this text above the group: "Version changed here: ...". */
    boundary?: string | null;
    /**
     * `text` is the value as shown beside the bar ("1.88"); the number itself without it. `outside`:
     * the figure is outside the band (the caller judges it, as a bar of 0 may stand for no figure).
     */
    bars: readonly { label: string; value: number; text?: string; outside?: boolean }[];
  }[];
  /**
   * A range drawn as a shaded band between two dashed lines, with its label above the plot ("Parity
   * band 0.80 to 1.25"); the description then names each bar outside it, so it is never seen only.
   */
  band?: { low: number; high: number; label: string };
}

export interface ChartBar {
  label: string;
  value: number;
  text: string;
  x: number;
  y: number;
  width: number;
  height: number;
  /** Where the category name is drawn (right-aligned before the axis). */
  labelX: number;
  /** Where the value is drawn (just after the bar's end). */
  valueX: number;
  textY: number;
}

export interface ChartBand {
  label: string;
  /** The band's edges across the plot, and its top and bottom. */
  lowX: number;
  highX: number;
  y1: number;
  y2: number;
  labelX: number;
  labelY: number;
  /** "Outside it: Alpha, 2025: 1.88." or "No figure is outside it.": also in the description. */
  outside: string;
}

export interface ChartGeometry {
  title: string;
  description: string;
  width: number;
  height: number;
  band: ChartBand | undefined;
  groups: { label: string; x: number; y: number }[];
  boundaries: { text: string; textY: number; lineY: number }[];
  bars: ChartBar[];
  axis: {
    x: number;
    y1: number;
    y2: number;
    ticks: { x: number; label: string }[];
    title: string;
    titleX: number;
    titleY: number;
  };
}

export const CHART_LAYOUT = {
  width: 640,
  labelWidth: 200,
  plotWidth: 380,
  groupHeaderHeight: 28,
  barHeight: 18,
  barGap: 6,
  axisHeight: 48,
  boundaryHeight: 30,
  /** Room above the plot for a band's label. */
  bandLabelHeight: 24,
  top: 8,
} as const;

/** A round maximum for the axis: 1, 2, 5 or 10 times a power of ten, at least the largest value. */
export function niceMaximum(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

export function buildBarChart(input: ChartInput): ChartGeometry {
  const layout = CHART_LAYOUT;
  // The band is always in view, however small the figures.
  const maximum = niceMaximum(
    Math.max(
      0,
      input.band?.high ?? 0,
      ...input.groups.flatMap((group) => group.bars.map((bar) => bar.value)),
    ),
  );
  const axisX = layout.labelWidth;
  const scale = (value: number) => (value / maximum) * layout.plotWidth;
  const groups: ChartGeometry['groups'] = [];
  const boundaries: ChartGeometry['boundaries'] = [];
  const bars: ChartBar[] = [];
  const plotTop = layout.top + (input.band ? layout.bandLabelHeight : 0);
  let y = plotTop;
  for (const group of input.groups) {
    if (group.boundary) {
      boundaries.push({ text: group.boundary, textY: y + 20, lineY: y + 4 });
      y += layout.boundaryHeight;
    }
    groups.push({ label: group.label, x: 0, y: y + layout.groupHeaderHeight - 8 });
    y += layout.groupHeaderHeight;
    for (const bar of group.bars) {
      const width = scale(bar.value);
      bars.push({
        label: bar.label,
        value: bar.value,
        text: bar.text ?? String(bar.value),
        x: axisX,
        y,
        width,
        height: layout.barHeight,
        labelX: axisX - 8,
        valueX: axisX + width + 6,
        textY: y + layout.barHeight - 4,
      });
      y += layout.barHeight + layout.barGap;
    }
  }
  const plotBottom = y;
  const tickValues = [0, maximum / 2, maximum].filter((value) => Number.isInteger(value));
  const band =
    input.band && bandGeometry(input, axisX + scale(input.band.low), axisX + scale(input.band.high));
  return {
    title: input.title,
    description: band
      ? `${input.description} ${band.label}: shaded between two dashed lines. ${band.outside}`
      : input.description,
    width: layout.width,
    height: plotBottom + layout.axisHeight,
    band: band && { ...band, y1: plotTop - 4, y2: plotBottom },
    groups,
    boundaries,
    bars,
    axis: {
      x: axisX,
      y1: layout.top,
      y2: plotBottom,
      ticks: tickValues.map((value) => ({ x: axisX + scale(value), label: String(value) })),
      title: input.valueLabel,
      titleX: axisX + layout.plotWidth / 2,
      titleY: plotBottom + 40,
    },
  };
}

function bandGeometry(input: ChartInput, lowX: number, highX: number) {
  const outside = input.groups.flatMap((group) =>
    group.bars
      .filter((bar) => bar.outside)
      .map((bar) => `${group.label}, ${bar.label}: ${bar.text ?? bar.value}`),
  );
  return {
    label: input.band?.label ?? '',
    lowX,
    highX,
    // The label starts over the band's low edge, pulled back so it stays inside the chart.
    labelX: Math.min(lowX, CHART_LAYOUT.width - 200),
    labelY: CHART_LAYOUT.top + 14,
    outside: outside.length === 0 ? 'No figure is outside it.' : `Outside it: ${outside.join('; ')}.`,
  };
}
