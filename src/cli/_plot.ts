// Internal: the one module that imports the plotting library (Vega-Lite compiled to Vega, rendered
// to SVG text on the server with no DOM). Everything else builds plain Vega-Lite specs and asks
// this module for SVG, so moving to another library or version touches this file only.

import * as vega from "npm:vega@6.4.0";
import * as vl from "npm:vega-lite@6.5.0";

/** A Vega-Lite specification (see https://vega.github.io/vega-lite/docs/). */
export type ChartSpec = vl.TopLevelSpec;

/** Attributes whose values are coordinates: rounded to keep the page small. */
const GEOMETRY = /\s(d|transform|x|y|x1|x2|y1|y2|width|height|points|offset)="([^"]*)"/g;

/** A decimal number with more than two digits after the point. */
const LONG_DECIMAL = /-?\d*\.\d{3,}(?:e[+-]?\d+)?/g;

/** The ids that the SVG defines (clip paths, gradients), to make them unique on the page. */
const ID = /\sid="([^"]+)"/g;

/**
 * Renders a Vega-Lite spec to SVG text for inlining in an HTML page.
 *
 * The SVG scales with its container (its `width` and `height` attributes are replaced by a
 * `viewBox` and a `max-width`), has its coordinates rounded to 0.01 px, and has every id
 * prefixed with `idPrefix` so that several SVGs on one page never share an id (Vega numbers
 * clip paths and gradients from 1 in every SVG it renders).
 *
 * @param spec The Vega-Lite spec; its `config.aria` is turned off unless set.
 * @param idPrefix A prefix unique to this SVG on the page, made of letters, digits and `-`.
 * @returns The SVG element's text.
 * @throws {Error} When Vega-Lite or Vega rejects the spec.
 */
export async function renderSvg(spec: ChartSpec, idPrefix: string): Promise<string> {
  // ARIA descriptions would list every data point in the SVG: useless for large sweeps, and
  // the page's tables carry the same information accessibly.
  const withConfig = { ...spec, config: { aria: false, ...spec.config } } as ChartSpec;
  // Warnings (e.g. a scale property that a layer ignores) would only be noise on the command
  // line; real errors throw.
  const compiled = vl.compile(withConfig, { logger: vega.logger(vega.Error) }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none", logLevel: vega.Error });
  let svg: string;
  try {
    svg = await view.toSVG();
  } finally {
    view.finalize();
  }
  return tidySvg(svg, idPrefix);
}

/** A tag: text between tags (titles, labels) may look like attributes and is left alone. */
const TAG = /<[^>]*>/g;

/** Rounds coordinates, makes ids unique and the size responsive (see {@linkcode renderSvg}). */
function tidySvg(svg: string, idPrefix: string): string {
  const ids = new Set<string>();
  for (const tag of svg.match(TAG) ?? []) for (const match of tag.matchAll(ID)) ids.add(match[1]);
  const local = (id: string) => (ids.has(id) ? `${idPrefix}${id}` : id);
  let out = svg.replace(
    TAG,
    (tag) =>
      tag
        .replace(
          GEOMETRY,
          (_, name: string, value: string) =>
            ` ${name}="${
              value.replace(LONG_DECIMAL, (n) => String(Math.round(Number(n) * 100) / 100))
            }"`,
        )
        .replace(ID, (_, id: string) => ` id="${local(id)}"`)
        .replace(/url\(#([^)]+)\)/g, (_, id: string) => `url(#${local(id)})`)
        .replace(/href="#([^"]+)"/g, (_, id: string) => `href="#${local(id)}"`),
  );
  // The xlink namespace is declared whatever the content; drop it when unused so that the page
  // names no URL but the SVG namespace.
  if (!out.includes("xlink:")) out = out.replace(/\sxmlns:xlink="[^"]*"/, "");
  // Fixed pixel sizes would overflow narrow screens: keep the aspect ratio through the viewBox
  // and let CSS scale the SVG down (never up, past its natural width).
  return out.replace(
    /^<svg([^>]*?)\swidth="([\d.]+)" height="([\d.]+)"/,
    (_, before: string, w: string, h: string) =>
      `<svg${before} style="max-width:${w}px" data-width="${w}" data-height="${h}"`,
  );
}
