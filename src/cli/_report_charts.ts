// Internal: the report's charts as Vega-Lite specs. Which chart an output gets depends on the
// parameters that vary: one gives a line chart, two on a grid give a heatmap (more than two: one
// heatmap panel per combination of the others), two off a grid give a colored scatter plot.
// Failed points are marked with a red "×" in every kind of chart.

import type { ChartSpec } from "./_plot.ts";
import { type Axis, cellEdges, formatStat, wantsLog } from "./_report_stats.ts";

/** Font stack of the charts, the same as the page's so that labels match the text. */
export const FONT =
  'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';

/** Color of failure marks: a red that stands out from the line color and from viridis. */
export const FAIL_COLOR = "#d62728";

/** Color of the line charts. */
const LINE_COLOR = "#1f5fa8";

/** Fill of heatmap cells and points without a value (failed, or NaN). */
const NO_VALUE_FILL = "#e6e6e6";

/** A "×" drawn as two strokes, as Vega's custom symbol path (unit square). */
const CROSS = "M-1,-1L1,1M-1,1L1,-1";

/** The layer that marks failed points with a red "×", the same in every kind of chart. */
function failedCrosses(size: number, strokeWidth: number, encoding: unknown): unknown {
  return {
    transform: [{ filter: "datum.failed" }],
    mark: {
      type: "point",
      shape: CROSS,
      filled: false,
      color: FAIL_COLOR,
      strokeWidth,
      size,
      opacity: 1,
    },
    encoding,
  };
}

/** Most heatmap panels drawn for more than two varying parameters. */
export const MAX_PANELS = 12;

/** Shared look of all charts. */
const CONFIG = {
  aria: false,
  font: FONT,
  background: null,
  view: { stroke: "#d0d0d0" },
  padding: 4,
  axis: {
    labelColor: "#4a4a4a",
    titleColor: "#222",
    labelFontSize: 11,
    titleFontSize: 12,
    titleFontWeight: 600,
    gridColor: "#ececec",
    domainColor: "#9a9a9a",
    tickColor: "#9a9a9a",
    labelFlush: true,
  },
  legend: {
    labelColor: "#4a4a4a",
    titleColor: "#222",
    labelFontSize: 11,
    titleFontSize: 12,
    titleFontWeight: 600,
    gradientLength: 180,
    gradientThickness: 12,
  },
  header: { labelFontSize: 12, labelColor: "#222", labelFont: FONT, titleFont: FONT },
} as const;

/** A JSON-safe number for chart data: NaN and infinities become null, which Vega skips. */
function cell(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

/** Scale settings of a parameter axis. */
function paramScale(axis: Axis, domain?: [number, number]): Record<string, unknown> {
  const scale: Record<string, unknown> = wantsLog(axis)
    ? { type: "log" }
    : { type: "linear", zero: false };
  if (domain) {
    scale.domain = domain;
    scale.nice = false;
  }
  return scale;
}

/**
 * Axis settings of a parameter: ticks at the values themselves when there are few, with enough
 * digits to tell them apart (the default format rounds to the tick spacing, which would label
 * 1/7 as "0.1").
 */
function paramAxis(axis: Axis): Record<string, unknown> {
  const v = axis.values;
  if (v.length <= 8) return { values: Array.from(v), format: ".4~g", grid: false };
  if (wantsLog(axis)) {
    // Powers of ten only: Vega's default log ticks (1, 2, 5, 10, ...) crowd a short axis.
    const powers: number[] = [];
    for (let e = Math.ceil(Math.log10(v[0])); e <= Math.floor(Math.log10(v[v.length - 1])); e++) {
      powers.push(Number(`1e${e}`));
    }
    if (powers.length >= 2) return { values: powers, format: "~g" };
  }
  return {};
}

// Vega looks a title up as a property before it shows it, and fails on one named like a member
// of every object ("constructor", "toString"): a zero-width space after such a name, which no
// one sees, keeps it text.
function chartTitle(name: string): string {
  return name in Object.prototype ? `${name}\u200b` : name;
}

/** The color channel of an output; no legend when no point has a value (its domain is empty). */
function colorEncoding(outputName: string, hasValues: boolean): Record<string, unknown> {
  return {
    field: "v",
    type: "quantitative",
    title: chartTitle(outputName),
    scale: { scheme: "viridis", zero: false },
    ...(hasValues ? {} : { legend: null }),
  };
}

/** One output over one swept parameter. */
export interface LineData {
  paramName: string;
  axis: Axis;
  x: Float64Array;
  outputName: string;
  y: Float64Array;
  success: Uint8Array;
}

/** One output over two swept parameters. */
export interface PlaneData {
  names: [string, string];
  axes: [Axis, Axis];
  x: Float64Array;
  y: Float64Array;
  outputName: string;
  v: Float64Array;
  success: Uint8Array;
}

/**
 * A line chart of an output against the one varying parameter: the successful points joined by
 * a line that breaks at failures, and each failure drawn as a red "×" on the x axis with a
 * faint red rule through the plot.
 */
export function lineSpec(data: LineData): ChartSpec {
  const { paramName, axis, x, outputName, y, success } = data;
  const order = Array.from(x.keys()).sort((a, b) => x[a] - x[b] || a - b);
  const values = order.map((i) => ({
    x: x[i],
    y: success[i] ? cell(y[i]) : null,
    failed: success[i] === 0,
  }));
  const height = 240;
  const xEnc = {
    field: "x",
    type: "quantitative",
    title: chartTitle(paramName),
    scale: paramScale(axis),
    axis: paramAxis(axis),
  };
  return {
    width: 520,
    height,
    data: { values },
    layer: [
      {
        transform: [{ filter: "datum.failed" }],
        mark: { type: "rule", color: FAIL_COLOR, opacity: 0.18, strokeWidth: 1 },
        encoding: { x: xEnc },
      },
      {
        // Points only while they stay distinct; beyond that they would merge into a thick line.
        mark: {
          type: "line",
          color: LINE_COLOR,
          strokeWidth: 2,
          point: values.length <= 200 ? { filled: true, size: 30, color: LINE_COLOR } : false,
        },
        encoding: {
          x: xEnc,
          y: {
            field: "y",
            type: "quantitative",
            title: chartTitle(outputName),
            scale: { zero: false },
          },
        },
      },
      failedCrosses(50, 2, { x: xEnc, y: { value: height - 8 } }),
    ],
    config: CONFIG,
  } as unknown as ChartSpec;
}

/** Where a heatmap puts the cells of one parameter, and how its axis is drawn. */
interface HeatAxis {
  /** Index of each distinct value. */
  index: Map<number, number>;
  /** Position of the i-th value's cell centre, in scale units. */
  position: (i: number) => number;
  /** Edges of the i-th value's cell, enlarged to hide seams. */
  cell: (i: number) => [number, number];
  /** Scale and axis settings of the position channel. */
  encoding: { scale: Record<string, unknown>; axis: Record<string, unknown> };
}

/** Least overlap of neighbouring heatmap cells, in pixels. */
const SEAM_PX = 0.5;

/** Most labels on an axis of irregular values (drawn by index): more would overlap. */
const MAX_INDEX_LABELS = 12;

/**
 * The cells of a parameter on a heatmap axis. Evenly spaced values sit on a linear scale,
 * geometric ones on a log scale, each cell centred on its value. Irregular values (a
 * `fixedSample` such as 0.1, 0.2, 0.5, 1, 2, 5) would give cells of wildly different widths on
 * either, so they get equal cells in value order, labelled with the values.
 */
function heatAxis(axis: Axis, lengthPx: number): HeatAxis {
  const n = axis.values.length;
  const index = new Map(Array.from(axis.values, (value, i) => [value, i]));
  const byIndex = axis.spacing === "irregular";
  const log = !byIndex && wantsLog(axis);
  const centres = byIndex ? Float64Array.from(axis.values, (_, i) => i) : axis.values;
  const edges = cellEdges(centres, log);
  // Cells overlap their neighbours by a share of their size, and by at least SEAM_PX pixels:
  // antialiased edges that merely touch leave faint light lines between cells.
  const span = log ? Math.log(edges[n] / edges[0]) : edges[n] - edges[0];
  const minGrow = (SEAM_PX * span) / lengthPx;
  const cell = (i: number): [number, number] => {
    const [lo, hi] = [edges[i], edges[i + 1]];
    if (log) {
      const g = Math.max((Math.log(hi / lo) * OVERLAP) / 2, minGrow);
      return [lo / Math.exp(g), hi * Math.exp(g)];
    }
    const d = Math.max(((hi - lo) * OVERLAP) / 2, minGrow);
    return [lo - d, hi + d];
  };
  const domain: [number, number] = [edges[0], edges[n]];
  if (!byIndex) {
    return {
      index,
      position: (i) => axis.values[i],
      cell,
      encoding: { scale: paramScale(axis, domain), axis: paramAxis(axis) },
    };
  }
  const step = Math.ceil(n / MAX_INDEX_LABELS);
  const ticks = Array.from({ length: Math.ceil(n / step) }, (_, k) => k * step);
  const labels = Array.from(axis.values, (v) => formatStat(v));
  return {
    index,
    position: (i) => i,
    cell,
    encoding: {
      scale: { type: "linear", zero: false, nice: false, domain },
      // The scale counts cells; the labels say which value each cell holds.
      axis: { values: ticks, labelExpr: `${JSON.stringify(labels)}[datum.value]`, grid: false },
    },
  };
}

/** One heatmap cell's data. */
interface Cell {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  xv: number;
  yv: number;
  v: number | null;
  failed: boolean;
  panel?: string;
}

/** Cells are drawn this much wider and taller (as a share of their size) to hide seams. */
const OVERLAP = 0.04;

/**
 * A heatmap of an output over two parameters on a grid, one cell per point, colored by the
 * output (viridis); failed cells are gray with a red "×", cells of successful rows without a
 * value are gray. With `panels`, one small heatmap per panel label (shared color scale).
 */
export function heatmapSpec(
  data: PlaneData,
  panels?: { labels: string[]; of: (row: number) => string | undefined },
): ChartSpec {
  const { names, axes, x, y, outputName, v, success } = data;
  const width = panels ? 220 : 440;
  const height = panels ? 170 : 300;
  const [hx, hy] = [heatAxis(axes[0], width), heatAxis(axes[1], height)];
  const values: Cell[] = [];
  for (let r = 0; r < x.length; r++) {
    const panel = panels?.of(r);
    if (panels && panel === undefined) continue;
    const i = hx.index.get(x[r]);
    const j = hy.index.get(y[r]);
    if (i === undefined || j === undefined) continue; // a NaN parameter has no cell
    const [x0, x1] = hx.cell(i);
    const [y0, y1] = hy.cell(j);
    values.push({
      x0,
      x1,
      y0,
      y1,
      xv: hx.position(i),
      yv: hy.position(j),
      v: success[r] ? cell(v[r]) : null,
      failed: success[r] === 0,
      ...(panel === undefined ? {} : { panel }),
    });
  }
  const nx = axes[0].values.length;
  const ny = axes[1].values.length;
  // The "×" shrinks with the cells so that it never spills into its neighbours.
  const cellPx = Math.min(width / nx, height / ny);
  const crossSize = Math.max(8, Math.min(100, (cellPx * 0.4) ** 2));
  const xEnc = { field: "x0", type: "quantitative", title: chartTitle(names[0]), ...hx.encoding };
  const yEnc = { field: "y0", type: "quantitative", title: chartTitle(names[1]), ...hy.encoding };
  const layers = [
    {
      transform: [{ filter: "datum.v != null" }],
      // Clipped: the enlarged edge cells would otherwise stick out of the frame.
      mark: { type: "rect", strokeWidth: 0, clip: true },
      encoding: {
        x: xEnc,
        x2: { field: "x1" },
        y: yEnc,
        y2: { field: "y1" },
        color: colorEncoding(outputName, values.some((c) => c.v !== null)),
      },
    },
    {
      transform: [{ filter: "datum.v == null" }],
      mark: { type: "rect", fill: NO_VALUE_FILL, strokeWidth: 0, clip: true },
      encoding: { x: xEnc, x2: { field: "x1" }, y: yEnc, y2: { field: "y1" } },
    },
    // Same scale settings and titles as the cells, so that the layers share one axis each.
    failedCrosses(crossSize, cellPx < 8 ? 1 : 2, {
      x: { ...xEnc, field: "xv" },
      y: { ...yEnc, field: "yv" },
    }),
  ];
  if (!panels) {
    return {
      width,
      height,
      data: { values },
      layer: layers,
      config: CONFIG,
    } as unknown as ChartSpec;
  }
  const n = panels.labels.length;
  return {
    data: { values },
    facet: {
      field: "panel",
      type: "ordinal",
      title: null,
      sort: panels.labels,
      header: { labelPadding: 4 },
    },
    // Rows as full as possible: 4 panels as 2 × 2 rather than 3 + 1.
    columns: n <= 3 ? n : n === 4 ? 2 : n <= 9 ? 3 : 4,
    spec: { width, height, layer: layers },
    resolve: { scale: { color: "shared" } },
    config: CONFIG,
  } as unknown as ChartSpec;
}

/**
 * A scatter plot of the points over two parameters that do not form a grid (random sampling),
 * colored by the output; failed points are red "×", successful points without a value are
 * hollow gray circles.
 */
export function scatterSpec(data: PlaneData): ChartSpec {
  const { names, axes, x, y, outputName, v, success } = data;
  const values = Array.from(x, (xv, r) => ({
    x: xv,
    y: y[r],
    v: success[r] ? cell(v[r]) : null,
    failed: success[r] === 0,
  }));
  const size = values.length <= 500 ? 36 : values.length <= 5000 ? 14 : 6;
  const xEnc = {
    field: "x",
    type: "quantitative",
    title: chartTitle(names[0]),
    scale: paramScale(axes[0]),
  };
  const yEnc = {
    field: "y",
    type: "quantitative",
    title: chartTitle(names[1]),
    scale: paramScale(axes[1]),
  };
  return {
    width: 440,
    height: 300,
    data: { values },
    layer: [
      {
        transform: [{ filter: "datum.v != null" }],
        mark: { type: "circle", size, opacity: 0.9 },
        encoding: {
          x: xEnc,
          y: yEnc,
          color: colorEncoding(outputName, values.some((c) => c.v !== null)),
        },
      },
      {
        transform: [{ filter: "datum.v == null && !datum.failed" }],
        mark: { type: "point", size, color: "#9a9a9a", filled: false },
        encoding: { x: xEnc, y: yEnc },
      },
      failedCrosses(Math.max(size, 30), 2, { x: xEnc, y: yEnc }),
    ],
    config: CONFIG,
  } as unknown as ChartSpec;
}
