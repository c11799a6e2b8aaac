// Internal: the HTML of the report page: escaping, the settings table and the page shell with its
// inline style sheet, data block and script. The page loads nothing: its Content-Security-Policy
// forbids every request, and allows inline styles, data: images and only the one script whose
// hash it names, so a report opened offline looks the same as online.

import { Buffer } from "node:buffer";

/** Font stack of the page and its charts. */
const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';

/** Colour of failure marks: a red that stands out from the line colour and from viridis. */
const FAIL_COLOR = "#d62728";

/** The page's Content-Security-Policy: nothing may load; inline styles, data: images, and the script of this hash. */
export function csp(scriptHash?: string): string {
  return `default-src 'none'; style-src 'unsafe-inline'; img-src data:${
    scriptHash ? `; script-src '${scriptHash}'` : ""
  }`;
}

/** Escapes text for HTML element content and double-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Renders one settings value: text as is, numbers exactly, objects as a nested table. */
export function settingValue(value: unknown, depth = 0): string {
  if (value === null || value === undefined) return `<span class="muted">none</span>`;
  if (typeof value === "string") return escapeHtml(value);
  if (typeof value === "number") {
    // Exactly, as the sweep was given them (a seed or bound rounded for display would mislead).
    return Object.is(value, -0) ? "-0" : String(value);
  }
  if (typeof value === "boolean" || typeof value === "bigint") return String(value);
  if (
    Array.isArray(value) && value.length <= 50 &&
    value.every((v) => typeof v === "string" || typeof v === "number")
  ) {
    return value.map((v) => `<code>${escapeHtml(String(v))}</code>`).join(", ");
  }
  if (depth === 0 && isPlainObject(value)) {
    const entries = Object.entries(value);
    if (entries.length > 0) return `<table class="kv inner">${settingRows(value, 1)}</table>`;
  }
  return `<code>${escapeHtml(compactJson(value))}</code>`;
}

/** Table rows of a settings object, one per field. */
export function settingRows(settings: Record<string, unknown>, depth = 0): string {
  return Object.entries(settings)
    .map(([k, v]) =>
      `<tr><th scope="row">${escapeHtml(k)}</th><td>${settingValue(v, depth)}</td></tr>`
    )
    .join("\n");
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** JSON on one line with a space after commas and colons; text for what JSON cannot write. */
function compactJson(value: unknown): string {
  try {
    const text = JSON.stringify(value, (_, v) => (typeof v === "bigint" ? String(v) : v));
    if (text === undefined) return String(value);
    return text.replace(/("(?:[^"\\]|\\.)*")|([,:])/g, (_, s, p) => s ?? `${p} `);
  } catch {
    return String(value);
  }
}

const STYLE = `
:root { color-scheme: light; --fg: #1d1f23; --muted: #5f6670; --line: #e2e5ea; --bg: #f5f6f8;
  --card: #fff; --fail: ${FAIL_COLOR}; --accent: #1f5fa8; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 15px/1.5 ${FONT}; -webkit-text-size-adjust: 100%; }
header, main, footer { max-width: 1200px; margin: 0 auto; padding: 0 20px; }
header { padding-top: 28px; }
h1 { font-size: 1.65rem; line-height: 1.25; margin: 0 0 4px; overflow-wrap: anywhere; }
h2 { font-size: 1.1rem; margin: 0 0 12px; }
h3 { font-size: 1rem; margin: 0; overflow-wrap: anywhere; }
.sub, .muted, .note { color: var(--muted); }
.sub { margin: 0; }
.note { font-size: .88rem; margin: -4px 0 14px; }
section { background: var(--card); border: 1px solid var(--line); border-radius: 10px;
  padding: 16px 20px; margin: 18px 0; }
.glance { display: grid; grid-template-columns: repeat(auto-fit, minmax(130px, 1fr)); gap: 12px;
  background: none; border: 0; padding: 0; }
.tile { background: var(--card); border: 1px solid var(--line); border-radius: 10px;
  padding: 10px 16px; }
.tile b { display: block; font-size: 1.5rem; font-variant-numeric: tabular-nums; }
.tile span { color: var(--muted); font-size: .85rem; }
.tile.bad b { color: var(--fail); }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; font-variant-numeric: tabular-nums; }
th, td { padding: 6px 10px; border-bottom: 1px solid var(--line); text-align: left;
  vertical-align: top; white-space: nowrap; }
thead th { color: var(--muted); font-size: .78rem; font-weight: 600; text-transform: uppercase;
  letter-spacing: .04em; border-bottom: 2px solid var(--line); }
.num { text-align: right; }
table.compact { width: auto; min-width: 40%; }
tbody tr:last-child > * { border-bottom: 0; }
.kv th { width: 1%; color: var(--muted); font-weight: 600; }
.kv td { white-space: normal; overflow-wrap: anywhere; }
.kv.inner { font-size: 1em; }
.kv.inner th, .kv.inner td { padding: 2px 12px 2px 0; border: 0; }
td.bad { color: var(--fail); font-weight: 600; }
td.wrap { white-space: normal; min-width: 16em; overflow-wrap: anywhere; }
.sub-h { margin: 16px 0 8px; font-size: .95rem; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .86em;
  background: #f1f3f5; border-radius: 4px; padding: 1px 4px; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
.figs { display: grid; gap: 16px;
  grid-template-columns: repeat(auto-fill, minmax(min(100%, 500px), 1fr)); }
figure { margin: 0; min-width: 0; border: 1px solid var(--line); border-radius: 8px; padding: 12px; }
figure.wide { grid-column: 1 / -1; }
figcaption { display: flex; flex-wrap: wrap; justify-content: space-between; align-items: baseline;
  gap: 4px 12px; margin-bottom: 8px; }
.key { color: var(--muted); font-size: .82rem; }
.x { color: var(--fail); font-weight: 700; }
.swatch { display: inline-block; width: .9em; height: .9em; vertical-align: -.1em;
  background: #e6e6e6; border: 1px solid #ccc; }
figure svg { display: block; width: 100%; height: auto; margin: 0 auto; }
.view { position: relative; }
.controls { display: flex; flex-wrap: wrap; gap: 6px 14px; align-items: center; margin: 0 0 8px;
  font-size: .85rem; }
.controls:empty { display: none; }
.ctl { display: inline-flex; gap: 6px; align-items: center; color: var(--muted); }
.ctl select { font: inherit; max-width: 16em; padding: 2px 4px; border: 1px solid var(--line);
  border-radius: 6px; background: #fff; color: var(--fg); }
.ctl.check { cursor: pointer; }
.ctl input[type=range] { width: 140px; }
.ctl output { min-width: 7em; color: var(--fg); font-variant-numeric: tabular-nums; }
.plot { position: relative; width: 100%; }
.plot canvas { display: block; max-width: 100%; }
.tip { position: absolute; z-index: 2; pointer-events: none; background: rgba(255,255,255,.97);
  border: 1px solid #bbb; border-radius: 6px; padding: 6px 9px; font-size: .8rem; line-height: 1.4;
  box-shadow: 0 2px 8px rgba(0,0,0,.15); white-space: nowrap; font-variant-numeric: tabular-nums; }
.tip[hidden] { display: none; }
.bad { color: var(--fail); }
.legend { display: flex; flex-wrap: wrap; gap: 4px 8px; align-items: center; font-size: .8rem;
  color: var(--muted); margin-top: 6px; }
.legend .ramp { width: 160px; height: 10px; border-radius: 2px; }
.legend .scale { flex-basis: 100%; }
.vnote { margin: 4px 0 0; }
.series { display: inline-flex; align-items: center; gap: 3px; }
.series i { display: inline-block; width: 14px; height: 3px; border-radius: 2px; }
.mask { color: var(--accent); font-weight: 700; }
.bar-chart svg { max-width: 360px; font: 12px ${FONT}; }
.bar-chart text { fill: #333; }
.bar-chart text.v { fill: var(--muted); font-size: 11px; }
.bar-chart .bar { fill: var(--accent); }
.bar-chart .bar.neg { fill: #c2692b; }
.bar-chart .axis { stroke: #9a9a9a; }
.figs.bars { grid-template-columns: repeat(auto-fill, minmax(min(100%, 340px), 1fr)); margin-bottom: 12px; }
footer { color: var(--muted); font-size: .8rem; padding-bottom: 28px; }
@media (max-width: 600px) { header, main, footer { padding: 0 10px; } header { padding-top: 16px; }
  section { padding: 12px; } }
@media print { body { background: #fff; } section, figure { break-inside: avoid; } }
`;

/**
 * The whole page around its body parts, with its data block (JSON, which a script element of
 * type application/json holds without running) and its one script, allowed by its hash.
 */
export async function page(
  title: string,
  body: string,
  data?: string,
  script?: string,
): Promise<string> {
  let hash: string | undefined;
  if (script !== undefined) {
    // The script's text ends at the first "</script": it must hold none.
    if (/<\/script/i.test(script) || (data !== undefined && /<\/script/i.test(data))) {
      throw new Error("Cannot render report as its script or data would close the script element");
    }
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(script));
    hash = `sha256-${Buffer.from(digest).toString("base64")}`;
  }
  const tail = data !== undefined && script !== undefined
    ? `<script type="application/json" id="psweep-data">${data}</script>
<script>${script}</script>
`
    : "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp(hash)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="psweep report">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
<style>${STYLE.replace(/\n\s*/g, "\n").trim()}</style>
</head>
<body>
${body}
${tail}</body>
</html>
`;
}
