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
    /** `text` is the value as shown beside the bar ("1.88"); the number itself without it. */
    bars: readonly { label: string; value: number; text?: string }[];
  }[];
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

export interface ChartGeometry {
  title: string;
  description: string;
  width: number;
  height: number;
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
  const maximum = niceMaximum(
    Math.max(0, ...input.groups.flatMap((group) => group.bars.map((bar) => bar.value))),
  );
  const axisX = layout.labelWidth;
  const scale = (value: number) => (value / maximum) * layout.plotWidth;
  const groups: ChartGeometry['groups'] = [];
  const boundaries: ChartGeometry['boundaries'] = [];
  const bars: ChartBar[] = [];
  let y = layout.top;
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
  return {
    title: input.title,
    description: input.description,
    width: layout.width,
    height: plotBottom + layout.axisHeight,
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
