// Internal: the report page's one script, written here as a function so that it is parsed and
// linted with the rest, and inlined in the page as its source text (Deno hands back the
// transpiled JavaScript). It reads the data block the page carries (bins, the cube of cell
// means, a sample of rows), draws every chart on a canvas, and redraws when the reader picks
// other axes, colours, slices or marks. It loads nothing and needs no library.
// One concept, though long: the page ships one script (no modules, no requests), so everything
// it draws and every control it wires lives in this one function.
//
// The DOM is typed loosely (`any`): Deno's type library has no DOM, and the browser test runs
// every branch that matters.
// deno-lint-ignore-file no-explicit-any

/** The script's source: the function below, called at once. */
export function clientScript(): string {
  return `(${client.toString()})();`;
}

function client(): void {
  const g: any = globalThis;
  const doc: any = g.document;
  const D: any = JSON.parse(doc.getElementById("psweep-data").textContent);
  const FAIL = "#d62728";
  const NOVALUE = "#e6e6e6";
  const LINE = "#1f5fa8";
  const VIRIDIS = [
    [68, 1, 84],
    [71, 44, 122],
    [59, 81, 139],
    [44, 113, 142],
    [33, 144, 141],
    [39, 173, 129],
    [92, 200, 99],
    [170, 220, 50],
    [253, 231, 37],
  ];
  const REDS = [[255, 245, 240], [252, 187, 161], [251, 106, 74], [203, 24, 29], [103, 0, 13]];

  function bytes(s: string): Uint8Array {
    const from = (Uint8Array as any).fromBase64;
    if (from) return from(s);
    const bin = g.atob(s);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  const f32 = (s: string) => new Float32Array(bytes(s).buffer);
  const f64 = (s: string) => new Float64Array(bytes(s).buffer);
  const u16 = (s: string) => new Uint16Array(bytes(s).buffer);
  const u32 = (s: string) => new Uint32Array(bytes(s).buffer);

  const P: any[] = D.params;
  const O: any[] = D.outputs;
  const cube = D.cube
    ? {
      dims: D.cube.dims as number[],
      count: f32(D.cube.count),
      fail: f32(D.cube.fail),
      mean: (D.cube.mean as string[]).map(f32),
    }
    : undefined;
  const strides = cube
    ? cube.dims.map((_, i) => cube.dims.slice(i + 1).reduce((a, b) => a * b, 1))
    : [];
  const S = {
    n: D.sample.n as number,
    row: u32(D.sample.row),
    p: (D.sample.p as string[]).map(f64),
    b: (D.sample.b as string[]).map(u16),
    o: (D.sample.o as string[]).map(f64),
    ok: bytes(D.sample.ok),
  };
  const PAIRS = D.pairs
    ? {
      params: D.pairs.params as any[],
      list: (D.pairs.list as any[]).map((p) => ({
        i: p.i,
        j: p.j,
        count: f32(p.count),
        fail: f32(p.fail),
        mean: (p.mean as string[]).map(f32),
      })),
    }
    : undefined;
  const DIFF = D.diff
    ? {
      nominal: (D.diff.nominal as string[]).map(f64),
      perturbed: (D.diff.perturbed as string[]).map(f64),
    }
    : undefined;

  function fmt(x: number): string {
    if (x !== x) return "—";
    if (!isFinite(x)) return x > 0 ? "∞" : "−∞";
    if (x === 0) return "0";
    const a = Math.abs(x);
    const s = a >= 1e6 || a < 1e-3
      ? x.toExponential(3).replace(/\.?0+e/, "e").replace("e+", "e")
      : String(Number(x.toPrecision(5)));
    return s.replace(/^-/, "−");
  }
  function esc(s: string): string {
    return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  }
  function ramp(stops: number[][], t: number): number[] {
    if (!(t >= 0)) t = 0;
    if (t > 1) t = 1;
    const x = t * (stops.length - 1);
    const i = Math.min(stops.length - 2, Math.floor(x));
    const f = x - i;
    const a = stops[i];
    const b = stops[i + 1];
    return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
  }
  const rgb = (c: number[]) => `rgb(${c[0] | 0},${c[1] | 0},${c[2] | 0})`;

  // Where a value falls in [0, 1] on an output's (or parameter's) colour scale, and back.
  function scaleOf(ref: any, choice: string): any {
    if (ref.t === "m") {
      if (ref.i === 0) {
        return {
          name: "linear",
          why: "linear: share of the cell's rows that failed",
          t: (v: number) => v,
          inv: (t: number) => t,
          stops: REDS,
        };
      }
      return {
        name: "linear",
        why: "linear: rows per cell",
        t: (v: number) => v / maxRows,
        inv: (t: number) => t * maxRows,
        stops: VIRIDIS,
      };
    }
    if (ref.t === "p") {
      const p = P[ref.i];
      const log = p.log && p.min > 0;
      const a = log ? Math.log(p.min) : p.min;
      const z = log ? Math.log(p.max) : p.max;
      const f = (v: number) => (log ? Math.log(v) : v);
      return {
        name: log ? "log" : "linear",
        why: log ? "log: the parameter's values are geometrically spaced" : "linear",
        t: (v: number) => (z > a ? (f(v) - a) / (z - a) : 0.5),
        inv: (t: number) => (log ? Math.exp(a + t * (z - a)) : a + t * (z - a)),
        stops: VIRIDIS,
      };
    }
    const o = O[ref.i];
    let name = choice === "auto" ? o.scale : choice;
    if (name === "log" && !(o.min > 0)) name = "linear";
    const why = choice === "auto" ? o.why : `${name} (chosen here; the data suggests ${o.scale})`;
    const { min, max, q } = o;
    if (name === "log") {
      const a = Math.log(min);
      const z = Math.log(max);
      return {
        name,
        why,
        t: (v: number) => (v > 0 ? (Math.log(v) - a) / (z - a) : 0),
        inv: (t: number) => Math.exp(a + t * (z - a)),
        stops: VIRIDIS,
      };
    }
    if (name === "quantile") {
      return {
        name,
        why,
        t: (v: number) => {
          if (!(v > q[0])) return 0;
          if (v >= q[64]) return 1;
          let lo = 0;
          let hi = 64;
          while (hi - lo > 1) {
            const m = (lo + hi) >> 1;
            if (q[m] <= v) lo = m;
            else hi = m;
          }
          const span = q[hi] - q[lo];
          return (lo + (span > 0 ? (v - q[lo]) / span : 0)) / 64;
        },
        inv: (t: number) => {
          const x = t * 64;
          const i = Math.min(63, Math.floor(x));
          return q[i] + (q[i + 1] - q[i]) * (x - i);
        },
        stops: VIRIDIS,
      };
    }
    return {
      name,
      why,
      t: (v: number) => (max > min ? (v - min) / (max - min) : 0.5),
      inv: (t: number) => min + t * (max - min),
      stops: VIRIDIS,
    };
  }
  let maxRows = 1;

  function refName(ref: any): string {
    if (ref.t === "p") return P[ref.i].name;
    if (ref.t === "o") return O[ref.i].name;
    return ref.i === 0 ? "failure share" : "rows";
  }
  function binLabel(p: any, k: number): string {
    const lo = p.lo[k];
    const hi = p.hi[k];
    if (lo === hi) return fmt(lo);
    return `${fmt(lo)} … ${fmt(hi)}`;
  }
  function binMid(p: any, k: number): string {
    const lo = p.lo[k];
    const hi = p.hi[k];
    if (lo === hi || p.kind === "values") return fmt(lo);
    return fmt(p.kind === "log" ? Math.sqrt(lo * hi) : (lo + hi) / 2);
  }

  // ---- the charts ---------------------------------------------------------------------------

  function el(tag: string, attrs: any, parent?: any): any {
    const e = doc.createElement(tag);
    for (const k in attrs) {
      if (k === "text") e.textContent = attrs[k];
      else e.setAttribute(k, attrs[k]);
    }
    if (parent) parent.appendChild(e);
    return e;
  }

  function select(
    parent: any,
    label: string,
    options: [string, string][],
    value: string,
    onChange: (v: string) => void,
  ): any {
    const wrap = el("label", { class: "ctl" }, parent);
    el("span", { text: label }, wrap);
    const s = el("select", {}, wrap);
    for (const [v, text] of options) {
      const o = el("option", { value: v, text }, s);
      if (v === value) o.selected = true;
    }
    s.addEventListener("change", () => onChange(s.value));
    return s;
  }

  const refKey = (r: any) => `${r.t}${r.i}`;
  const keyRef = (k: string) => ({ t: k[0], i: Number(k.slice(1)) });

  function View(host: any, spec: any): void {
    const st: any = {
      x: spec.x,
      y: spec.y,
      c: spec.c,
      mark: spec.mark,
      slices: spec.slices.slice(),
      scale: "auto",
      fails: true,
      dir: [1, -1],
      diffOut: 0,
      by: -1,
    };
    const controls = spec.controls;
    const bar = el("div", { class: "controls" }, host);
    const sliceBar = el("div", { class: "controls slices" }, host);
    const box = el("div", { class: "plot" }, host);
    const canvas = el("canvas", { role: "img" }, box);
    const tip = el("div", { class: "tip", hidden: "" }, box);
    const legend = el("div", { class: "legend" }, host);
    const note = el("p", { class: "note vnote" }, host);
    let hit: (mx: number, my: number) => string | undefined = () => undefined;

    const paramOpts: [string, string][] = P.map((p, i) => [`p${i}`, p.name] as [string, string])
      .filter((_, i) => P[i].bins > 1);
    const outOpts: [string, string][] = O.map((o, i) => [`o${i}`, o.name]);
    function buildControls(): void {
      bar.textContent = "";
      sliceBar.textContent = "";
      if (controls === "none") return;
      if (controls === "diff") {
        select(bar, "output", outOpts, `o${st.diffOut}`, (v) => {
          st.diffOut = Number(v.slice(1));
          draw();
        });
        return;
      }
      if (controls === "full" || controls === "pair") {
        const xs = controls === "pair" ? outOpts : [...paramOpts, ...outOpts];
        select(bar, "x", xs, refKey(st.x), (v) => {
          st.x = keyRef(v);
          fix();
        });
        const ys = controls === "pair"
          ? outOpts
          : [...paramOpts, ...outOpts, ["m0", "failure share"] as [string, string]];
        select(bar, "y", ys, refKey(st.y), (v) => {
          st.y = keyRef(v);
          fix();
        });
      }
      if (controls === "full" || controls === "pair") {
        const cs: [string, string][] = [...outOpts, ["m0", "failure share"]];
        if (st.mark === "points") cs.push(...paramOpts);
        else cs.push(["m1", "rows per cell"]);
        if (isLine()) {
          // Lines take their colour from a parameter of a few values, one line per value.
          const few: [string, string][] = [["-1", "none"]];
          P.forEach((p, j) => {
            if (p.bins > 1 && p.bins <= 12 && j !== st.x.i) few.push([String(j), p.name]);
          });
          if (few.length > 1) {
            select(bar, "lines by", few, String(st.by), (v) => {
              st.by = Number(v);
              buildControls();
              draw();
            });
          }
        } else {
          select(bar, "colour", cs, refKey(st.c), (v) => {
            st.c = keyRef(v);
            draw();
          });
          if (st.c.t === "o") {
            select(
              bar,
              "scale",
              [["auto", "auto"], ["linear", "linear"], ["log", "log"], ["quantile", "quantile"]],
              st.scale,
              (v) => {
                st.scale = v;
                draw();
              },
            );
          }
        }
      }
      if (controls === "full" && st.x.t === "p" && cube) {
        select(
          bar,
          "marks",
          [["cells", "cells: mean of every row"], ["points", `points: ${S.n} sampled rows`]],
          st.mark,
          (v) => {
            st.mark = v;
            if (st.mark === "cells" && st.c.t === "p") st.c = { t: "o", i: 0 };
            fix();
          },
        );
      }
      if (st.x.t === "o" && st.y.t === "o") {
        const dirs: [string, string][] = [["1", "lower is better"], ["-1", "higher is better"]];
        select(bar, `${refName(st.x)}`, dirs, String(st.dir[0]), (v) => {
          st.dir[0] = Number(v);
          draw();
        });
        select(bar, `${refName(st.y)}`, dirs, String(st.dir[1]), (v) => {
          st.dir[1] = Number(v);
          draw();
        });
      }
      const fl = el("label", { class: "ctl check" }, bar);
      const cb = el("input", { type: "checkbox" }, fl);
      cb.checked = st.fails;
      el("span", { text: "failed points" }, fl);
      cb.addEventListener("change", () => {
        st.fails = cb.checked;
        draw();
      });
      if (controls === "full") {
        P.forEach((p, j) => {
          if (p.bins < 2 || (st.x.t === "p" && st.x.i === j) || (st.y.t === "p" && st.y.i === j)) {
            return;
          }
          if (isLine() && st.by === j) return; // drawn as lines, not sliced
          if (p.bins > 12) {
            // Many values: a slider, its leftmost stop meaning every value (mean).
            const wrap = el("label", { class: "ctl" }, sliceBar);
            el("span", { text: p.name }, wrap);
            const range = el("input", {
              type: "range",
              min: "-1",
              max: String(p.bins - 1),
              step: "1",
              value: String(st.slices[j]),
            }, wrap);
            const out = el("output", {}, wrap);
            const show = () => {
              out.textContent = st.slices[j] < 0 ? "all (mean)" : binLabel(p, st.slices[j]);
            };
            show();
            range.addEventListener("input", () => {
              st.slices[j] = Number(range.value);
              show();
              draw();
            });
            return;
          }
          const opts: [string, string][] = [["-1", "all (mean)"]];
          for (let k = 0; k < p.bins; k++) opts.push([String(k), binLabel(p, k)]);
          select(sliceBar, p.name, opts, String(st.slices[j]), (v) => {
            st.slices[j] = Number(v);
            draw();
          });
        });
        if (sliceBar.childNodes.length) {
          sliceBar.insertBefore(
            el("span", { class: "muted", text: "slice:" }),
            sliceBar.firstChild,
          );
        }
      }
    }
    function isLine(): boolean {
      return st.x.t === "p" && st.y.t !== "p" && st.mark !== "points" && !!cube;
    }
    // Keeps the choices consistent after one changed: two different axes, points when an output
    // is on x, a measure (failure share) on y only as a line, a parameter as colour only for points.
    function fix(): void {
      if (st.x.t === "p" && st.y.t === "p" && st.x.i === st.y.i) {
        const other = P.findIndex((p, i) => p.bins > 1 && i !== st.x.i);
        st.y = other >= 0 ? { t: "p", i: other } : { t: "o", i: 0 };
      }
      if (st.x.t !== "p") st.mark = "points";
      if (st.y.t === "m" && st.mark === "points") st.y = { t: "o", i: 0 };
      if (st.x.t === "o" && st.y.t === "o" && st.x.i === st.y.i && O.length > 1) {
        st.y = { t: "o", i: (st.x.i + 1) % O.length };
      }
      if (st.mark === "cells" && st.c.t === "p") st.c = { t: "o", i: 0 };
      buildControls();
      draw();
    }

    function sizeCanvas(): any {
      const w = Math.max(280, Math.min(box.clientWidth || 560, spec.compact ? 520 : 1000));
      const h = Math.min(620, Math.round(w * (spec.compact ? 0.68 : 0.56)));
      const dpr = g.devicePixelRatio || 1;
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
      canvas.style.width = `${w}px`;
      canvas.style.height = `${h}px`;
      const ctx = canvas.getContext("2d");
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.clearRect(0, 0, w, h);
      ctx.font = "11px system-ui, sans-serif";
      return { ctx, w, h, L: 62, R: w - 10, T: 10, B: h - 40 };
    }

    function axisTitle(c: any, xt: string, yt: string): void {
      const { ctx, L, R, T, B } = c;
      ctx.fillStyle = "#222";
      ctx.font = "600 12px system-ui, sans-serif";
      ctx.textAlign = "center";
      ctx.textBaseline = "alphabetic";
      ctx.fillText(xt, (L + R) / 2, B + 34);
      ctx.save();
      ctx.translate(12, (T + B) / 2);
      ctx.rotate(-Math.PI / 2);
      ctx.textBaseline = "top";
      ctx.fillText(yt, 0, 0);
      ctx.restore();
      ctx.font = "11px system-ui, sans-serif";
      ctx.strokeStyle = "#9a9a9a";
      ctx.lineWidth = 1;
      ctx.strokeRect(L + 0.5, T + 0.5, R - L, B - T);
    }
    // Ticks of an axis of bins: about six, at bin centres.
    function binTicks(c: any, p: any, n: number, horizontal: boolean): void {
      const { ctx, L, R, T, B } = c;
      ctx.fillStyle = "#4a4a4a";
      const count = Math.min(n, horizontal ? 6 : 7);
      const seen = new Set();
      for (let j = 0; j < count; j++) {
        const k = count === 1 ? 0 : Math.round((j * (n - 1)) / (count - 1));
        if (seen.has(k)) continue;
        seen.add(k);
        const f = (k + 0.5) / n;
        const text = binMid(p, k);
        if (horizontal) {
          const x = L + f * (R - L);
          ctx.textAlign = "center";
          ctx.textBaseline = "top";
          ctx.fillText(text, x, B + 5);
          ctx.fillRect(x, B, 1, 4);
        } else {
          const y = B - f * (B - T);
          ctx.textAlign = "right";
          ctx.textBaseline = "middle";
          ctx.fillText(text, L - 6, y);
          ctx.fillRect(L - 4, y, 4, 1);
        }
      }
    }
    // A continuous axis: linear or log, with ticks at round values.
    function valueAxis(lo: number, hi: number, log: boolean): any {
      if (log && !(lo > 0)) log = false;
      if (!(hi > lo)) {
        const d = lo === 0 ? 1 : Math.abs(lo) * 0.1;
        lo -= d;
        hi += d;
      }
      const a = log ? Math.log10(lo) : lo;
      const z = log ? Math.log10(hi) : hi;
      const pad = (z - a) * 0.03;
      const A = a - pad;
      const Z = z + pad;
      const ticks: number[] = [];
      if (log) {
        for (let e = Math.ceil(A); e <= Math.floor(Z); e++) ticks.push(10 ** e);
        if (ticks.length < 2) ticks.push(lo, hi);
      } else {
        const step0 = (Z - A) / 5;
        const mag = 10 ** Math.floor(Math.log10(step0));
        const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step0) ?? mag * 10;
        for (let v = Math.ceil(A / step) * step; v <= Z; v += step) {
          ticks.push(Math.abs(v) < step * 1e-9 ? 0 : v);
        }
      }
      return { f: (v: number) => ((log ? Math.log10(v) : v) - A) / (Z - A), ticks, log };
    }
    function drawValueTicks(c: any, ax: any, horizontal: boolean): void {
      const { ctx, L, R, T, B } = c;
      ctx.fillStyle = "#4a4a4a";
      for (const v of ax.ticks) {
        const f = ax.f(v);
        if (f < 0 || f > 1) continue;
        if (horizontal) {
          const x = L + f * (R - L);
          ctx.textAlign = "center";
          ctx.textBaseline = "top";
          ctx.fillText(fmt(v), x, B + 5);
          ctx.fillRect(x, B, 1, 4);
        } else {
          const y = B - f * (B - T);
          ctx.textAlign = "right";
          ctx.textBaseline = "middle";
          ctx.fillText(fmt(v), L - 6, y);
          ctx.fillRect(L - 4, y, 4, 1);
        }
      }
    }
    function cross(ctx: any, x: number, y: number, r: number): void {
      ctx.moveTo(x - r, y - r);
      ctx.lineTo(x + r, y + r);
      ctx.moveTo(x - r, y + r);
      ctx.lineTo(x + r, y - r);
    }
    function sliced(c: number, skip: number[]): boolean {
      for (let j = 0; j < st.slices.length; j++) {
        const s = st.slices[j];
        if (s < 0 || skip.includes(j)) continue;
        if (Math.floor(c / strides[j]) % cube!.dims[j] !== s) return false;
      }
      return true;
    }
    function sliceText(skip: number[]): string {
      const parts: string[] = [];
      st.slices.forEach((s: number, j: number) => {
        if (s >= 0 && !skip.includes(j)) parts.push(`${P[j].name} = ${binLabel(P[j], s)}`);
      });
      return parts.join(", ");
    }
    function drawLegend(sc: any, title: string, extra: string): void {
      legend.textContent = "";
      if (sc) {
        const bar = el("canvas", { class: "ramp", width: "160", height: "10" }, legend);
        const lctx = bar.getContext("2d");
        for (let i = 0; i < 160; i++) {
          lctx.fillStyle = rgb(ramp(sc.stops, i / 159));
          lctx.fillRect(i, 0, 1, 10);
        }
        el("span", { class: "lo", text: fmt(sc.inv(0)) }, legend);
        el("span", { text: "…" }, legend);
        el("span", { class: "hi", text: fmt(sc.inv(1)) }, legend);
        el("span", { class: "scale", text: `${title} · scale: ${sc.why}` }, legend);
      }
      if (extra) el("span", { class: "key", text: extra }, legend);
    }

    // The finer cells of a pair of parameters, when the page has them and no other parameter
    // is sliced: [pair, whether x is the pair's first parameter].
    function pairOf(px: number, py: number): any {
      if (!PAIRS) return undefined;
      if (st.slices.some((v: number, j: number) => v >= 0 && j !== px && j !== py)) {
        return undefined;
      }
      return PAIRS.list.find((p: any) => (p.i === px && p.j === py) || (p.i === py && p.j === px));
    }

    function drawCells(c: any): void {
      const { ctx, L, R, T, B } = c;
      const px = st.x.i;
      const py = st.y.i;
      const pair = pairOf(px, py);
      const BX = pair ? PAIRS!.params[px] : P[px];
      const BY = pair ? PAIRS!.params[py] : P[py];
      const nx = BX.bins;
      const ny = BY.bins;
      const N = new Float64Array(nx * ny);
      const F = new Float64Array(nx * ny);
      const SUM = new Float64Array(nx * ny);
      const W = new Float64Array(nx * ny);
      const means = pair ? pair.mean : cube!.mean;
      const mean = st.c.t === "o" ? means[st.c.i] : undefined;
      const { count, fail } = pair ?? cube!;
      // Where each cell of the source lands in the chart, or -1 where sliced away.
      const at = pair
        ? (cell: number) => {
          const nj = PAIRS!.params[pair.j].bins;
          const a = Math.floor(cell / nj);
          const b = cell % nj;
          return pair.i === px ? b * nx + a : a * nx + b;
        }
        : (cell: number) =>
          sliced(cell, [px, py])
            ? (Math.floor(cell / strides[py]) % ny) * nx + (Math.floor(cell / strides[px]) % nx)
            : -1;
      for (let cell = 0; cell < count.length; cell++) {
        const n = count[cell];
        if (!n) continue;
        const k = at(cell);
        if (k < 0) continue;
        N[k] += n;
        F[k] += fail[cell];
        if (mean) {
          const m = mean[cell];
          const w = n - fail[cell];
          if (m === m && w > 0) {
            SUM[k] += m * w;
            W[k] += w;
          }
        }
      }
      maxRows = 1;
      for (let k = 0; k < N.length; k++) if (N[k] > maxRows) maxRows = N[k];
      const sc = scaleOf(st.c, st.scale);
      const value = (
        k: number,
      ) => (mean ? (W[k] ? SUM[k] / W[k] : NaN) : st.c.i === 0 ? F[k] / N[k] : N[k]);
      const img = ctx.createImageData(nx, ny);
      let failedCells = 0;
      for (let iy = 0; iy < ny; iy++) {
        for (let ix = 0; ix < nx; ix++) {
          const k = iy * nx + ix;
          if (!N[k]) continue;
          const v = value(k);
          let col: number[];
          if (mean && F[k] === N[k]) {
            failedCells++;
            if (!st.fails) continue;
            col = [230, 230, 230];
          } else if (v !== v) col = [230, 230, 230];
          else col = ramp(sc.stops, sc.t(v));
          const at = ((ny - 1 - iy) * nx + ix) * 4;
          img.data[at] = col[0];
          img.data[at + 1] = col[1];
          img.data[at + 2] = col[2];
          img.data[at + 3] = 255;
        }
      }
      const off = doc.createElement("canvas");
      off.width = nx;
      off.height = ny;
      off.getContext("2d").putImageData(img, 0, 0);
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(off, L, T, R - L, B - T);
      const cw = (R - L) / nx;
      const ch = (B - T) / ny;
      // Failures: a red × per failed cell where cells are large enough; the boundary of the
      // failed region (where the share of failed rows crosses one half) otherwise, and always
      // on a failure map.
      const share = (ix: number, iy: number) => {
        const k = iy * nx + ix;
        return N[k] ? F[k] / N[k] : NaN;
      };
      ctx.beginPath();
      ctx.strokeStyle = FAIL;
      let marked = 0;
      if (st.fails && mean && cw >= 7 && ch >= 7) {
        ctx.lineWidth = 1.5;
        for (let iy = 0; iy < ny; iy++) {
          for (let ix = 0; ix < nx; ix++) {
            if (share(ix, iy) >= 0.5) {
              cross(
                ctx,
                L + (ix + 0.5) * cw,
                B - (iy + 0.5) * ch,
                Math.min(7, Math.min(cw, ch) * 0.28),
              );
              marked++;
            }
          }
        }
        ctx.stroke();
      }
      let boundary = 0;
      if (st.fails && (spec.boundary || (mean && marked === 0))) {
        ctx.beginPath();
        ctx.lineWidth = 2;
        // On a map of failure shares (reds) the boundary is dark; on an output's colours, red.
        ctx.strokeStyle = mean ? FAIL : "#1d1f23";
        const bad = (ix: number, iy: number) => share(ix, iy) >= 0.5;
        const known = (ix: number, iy: number) =>
          ix >= 0 && iy >= 0 && ix < nx && iy < ny && N[iy * nx + ix] > 0;
        for (let iy = 0; iy < ny; iy++) {
          for (let ix = 0; ix < nx; ix++) {
            if (!known(ix, iy)) continue;
            const b = bad(ix, iy);
            if (known(ix + 1, iy) && bad(ix + 1, iy) !== b) {
              const x = L + (ix + 1) * cw;
              ctx.moveTo(x, B - iy * ch);
              ctx.lineTo(x, B - (iy + 1) * ch);
              boundary++;
            }
            if (known(ix, iy + 1) && bad(ix, iy + 1) !== b) {
              const y = B - (iy + 1) * ch;
              ctx.moveTo(L + ix * cw, y);
              ctx.lineTo(L + (ix + 1) * cw, y);
              boundary++;
            }
          }
        }
        ctx.stroke();
      }
      binTicks(c, BX, nx, true);
      binTicks(c, BY, ny, false);
      axisTitle(
        c,
        P[px].name + (P[px].log ? " (log)" : ""),
        P[py].name + (P[py].log ? " (log)" : ""),
      );
      canvas.dataset.cells = String(nx * ny);
      canvas.dataset.failMarks = String(marked);
      canvas.dataset.boundary = String(boundary);
      const title = mean
        ? `${O[st.c.i].name}${maxRows > 1 ? " (mean per cell)" : ""}`
        : refName(st.c);
      const keys: string[] = [];
      if (failedCells) {
        keys.push(`${failedCells} cells where every row failed: ${marked ? "× on gray" : "gray"}`);
      }
      if (boundary) keys.push(`${mean ? "red" : "dark"} line: where half the rows fail`);
      drawLegend(sc, title, keys.join(" · "));
      const s = sliceText([px, py]);
      const others = P.filter((p, j) => p.bins > 1 && j !== px && j !== py).length;
      note.textContent = `${nx} × ${ny} cells${
        nx * ny < BX.distinct * BY.distinct ? " (neighbouring values merged)" : ""
      }${s ? `; slice: ${s}` : others ? "; other parameters: every value (mean)" : ""}.`;
      hit = (mx, my) => {
        if (mx < L || mx > R || my < T || my > B) return undefined;
        const ix = Math.min(nx - 1, Math.floor((mx - L) / cw));
        const iy = Math.min(ny - 1, Math.floor((B - my) / ch));
        const k = iy * nx + ix;
        if (!N[k]) return undefined;
        // Every output's mean in this cell, from the same source.
        const sums = O.map(() => [0, 0]);
        for (let cell = 0; cell < count.length; cell++) {
          const n = count[cell];
          if (!n || at(cell) !== k) continue;
          const w = n - fail[cell];
          means.forEach((m: Float32Array, o: number) => {
            if (m[cell] === m[cell] && w > 0) {
              sums[o][0] += m[cell] * w;
              sums[o][1] += w;
            }
          });
        }
        const lines = [
          `<b>${esc(P[px].name)}</b> ${binLabel(BX, ix)}`,
          `<b>${esc(P[py].name)}</b> ${binLabel(BY, iy)}`,
          `rows ${N[k]}${F[k] ? `, <span class="bad">failed ${F[k]}</span>` : ""}`,
          ...O.map((o, i) =>
            `${esc(o.name)} ${sums[i][1] ? fmt(sums[i][0] / sums[i][1]) : "—"}${
              N[k] - F[k] > 1 ? " (mean)" : ""
            }`
          ),
        ];
        return lines.join("<br>");
      };
    }

    function drawLine(c: any): void {
      const { ctx, L, R, T, B } = c;
      const px = st.x.i;
      const nx = cube!.dims[px];
      // One line per value of the "lines by" parameter, or one line.
      const by = st.by >= 0 && st.by !== px ? st.by : -1;
      const nb = by >= 0 ? cube!.dims[by] : 1;
      const N = new Float64Array(nx * nb);
      const F = new Float64Array(nx * nb);
      const SUM = new Float64Array(nx * nb);
      const W = new Float64Array(nx * nb);
      const mean = st.y.t === "o" ? cube!.mean[st.y.i] : undefined;
      const { count, fail } = cube!;
      for (let cell = 0; cell < count.length; cell++) {
        const n = count[cell];
        if (!n || !sliced(cell, by >= 0 ? [px, by] : [px])) continue;
        const k = (Math.floor(cell / strides[px]) % nx) * nb +
          (by >= 0 ? Math.floor(cell / strides[by]) % nb : 0);
        N[k] += n;
        F[k] += fail[cell];
        if (mean) {
          const m = mean[cell];
          const w = n - fail[cell];
          if (m === m && w > 0) {
            SUM[k] += m * w;
            W[k] += w;
          }
        }
      }
      const val = (k: number) => (mean ? (W[k] ? SUM[k] / W[k] : NaN) : N[k] ? F[k] / N[k] : NaN);
      let lo = Infinity;
      let hi = -Infinity;
      for (let k = 0; k < nx * nb; k++) {
        const v = val(k);
        if (v === v && isFinite(v)) {
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
      }
      if (lo > hi) {
        lo = 0;
        hi = 1;
      }
      const ay = valueAxis(lo, hi, !!mean && O[st.y.i].scale === "log" && lo > 0);
      const X = (k: number) => L + ((k + 0.5) / nx) * (R - L);
      const Y = (v: number) => B - ay.f(v) * (B - T);
      const colour = (j: number) =>
        nb > 1 ? rgb(ramp(VIRIDIS.slice(0, 8), j / (nb - 1))) : mean ? LINE : FAIL;
      for (let j = 0; j < nb; j++) {
        ctx.beginPath();
        ctx.strokeStyle = colour(j);
        ctx.lineWidth = 2;
        let pen = false;
        for (let k = 0; k < nx; k++) {
          const v = val(k * nb + j);
          if (v !== v || !isFinite(v)) {
            pen = false;
            continue;
          }
          if (pen) ctx.lineTo(X(k), Y(v));
          else ctx.moveTo(X(k), Y(v));
          pen = true;
        }
        ctx.stroke();
        if (nx <= 80) {
          ctx.fillStyle = colour(j);
          for (let k = 0; k < nx; k++) {
            const v = val(k * nb + j);
            if (v === v && isFinite(v)) {
              ctx.beginPath();
              ctx.arc(X(k), Y(v), 2.5, 0, 2 * Math.PI);
              ctx.fill();
            }
          }
        }
      }
      let marked = 0;
      if (st.fails && mean) {
        ctx.beginPath();
        ctx.strokeStyle = FAIL;
        ctx.lineWidth = 1.5;
        for (let k = 0; k < nx; k++) {
          let n = 0;
          let f = 0;
          for (let j = 0; j < nb; j++) {
            n += N[k * nb + j];
            f += F[k * nb + j];
          }
          if (n && f / n >= 0.5) {
            cross(ctx, X(k), B - 6, 4);
            marked++;
          }
        }
        ctx.stroke();
      }
      binTicks(c, P[px], nx, true);
      drawValueTicks(c, ay, false);
      axisTitle(
        c,
        P[px].name + (P[px].log ? " (log)" : ""),
        refName(st.y) + (ay.log ? " (log)" : ""),
      );
      canvas.dataset.failMarks = String(marked);
      canvas.dataset.lines = String(nb);
      legend.textContent = "";
      if (nb > 1) {
        el("span", { text: `lines by ${P[by].name}:` }, legend);
        for (let j = 0; j < nb; j++) {
          const item = el("span", { class: "series" }, legend);
          el("i", { style: `background:${colour(j)}` }, item);
          item.appendChild(doc.createTextNode(binLabel(P[by], j)));
        }
      }
      const keys = [
        mean ? `mean of ${O[st.y.i].name} per value` : "share of rows that failed",
        marked ? `× at the bottom: ${marked} values where most rows failed` : "",
      ].filter(Boolean).join(" · ");
      el("span", { class: "key", text: keys }, legend);
      const s = sliceText(by >= 0 ? [px, by] : [px]);
      const others = P.filter((p, j) => p.bins > 1 && j !== px && j !== by).length;
      note.textContent = `${nx} values of ${P[px].name}${
        s ? `; slice: ${s}` : others ? "; other parameters: every value (mean)" : ""
      }.`;
      hit = (mx, my) => {
        if (mx < L || mx > R || my < T || my > B) return undefined;
        const k = Math.min(nx - 1, Math.floor(((mx - L) / (R - L)) * nx));
        let n = 0;
        let f = 0;
        const lines: string[] = [`<b>${esc(P[px].name)}</b> ${binLabel(P[px], k)}`];
        for (let j = 0; j < nb; j++) {
          const q = k * nb + j;
          n += N[q];
          f += F[q];
          if (!N[q]) continue;
          const label = nb > 1 ? `${esc(P[by].name)} ${binLabel(P[by], j)}: ` : "";
          lines.push(
            `${label}${esc(refName(st.y))} ${fmt(val(q))}${mean && W[q] > 1 ? " (mean)" : ""}`,
          );
        }
        if (!n) return undefined;
        lines.push(`rows ${n}${f ? `, <span class="bad">failed ${f}</span>` : ""}`);
        return lines.join("<br>");
      };
    }

    // A sample row's value for an axis or colour reference.
    function sv(ref: any, k: number): number {
      if (ref.t === "p") return S.p[ref.i][k];
      if (ref.t === "o") return S.o[ref.i][k];
      return S.ok[k] ? 0 : 1;
    }
    function extent(ref: any, ks: number[]): [number, number] {
      let lo = Infinity;
      let hi = -Infinity;
      for (const k of ks) {
        const v = sv(ref, k);
        if (isFinite(v)) {
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
      }
      return lo > hi ? [0, 1] : [lo, hi];
    }
    function isLog(ref: any): boolean {
      return ref.t === "p" ? P[ref.i].log : ref.t === "o" ? O[ref.i].scale === "log" : false;
    }

    function drawPoints(c: any): void {
      const { ctx, L, R, T, B } = c;
      const skip = [st.x, st.y].filter((r) => r.t === "p").map((r) => r.i);
      const ks: number[] = [];
      for (let k = 0; k < S.n; k++) {
        let keep = true;
        for (let j = 0; j < st.slices.length && keep; j++) {
          const s = st.slices[j];
          if (s >= 0 && !skip.includes(j) && S.b[j][k] !== s) keep = false;
        }
        if (keep) ks.push(k);
      }
      const [x0, x1] = extent(st.x, ks);
      const [y0, y1] = extent(st.y, ks);
      const ax = valueAxis(x0, x1, isLog(st.x));
      const ay = valueAxis(y0, y1, isLog(st.y));
      const X = (v: number) => L + ax.f(v) * (R - L);
      const Y = (v: number) => B - ay.f(v) * (B - T);
      const sc = st.c.t === "m" ? undefined : scaleOf(st.c, st.scale);
      const r = ks.length > 5000 ? 2 : 3;
      const shown: number[] = [];
      let failed = 0;
      let unplaced = 0;
      for (const k of ks) {
        const x = sv(st.x, k);
        const y = sv(st.y, k);
        if (!S.ok[k]) {
          failed++;
          if (!(isFinite(x) && isFinite(y))) unplaced++;
          continue;
        }
        if (!(isFinite(x) && isFinite(y))) continue;
        const v = sc ? sv(st.c, k) : 0;
        ctx.fillStyle = sc
          ? (isFinite(v) ? rgb(ramp(sc.stops, sc.t(v))) : NOVALUE)
          : "rgb(31,95,168)";
        ctx.fillRect(X(x) - r, Y(y) - r, 2 * r, 2 * r);
        shown.push(k);
      }
      let marked = 0;
      if (st.fails && failed > unplaced) {
        ctx.beginPath();
        ctx.strokeStyle = FAIL;
        ctx.lineWidth = 1.5;
        for (const k of ks) {
          if (S.ok[k]) continue;
          const x = sv(st.x, k);
          const y = sv(st.y, k);
          if (isFinite(x) && isFinite(y)) {
            cross(ctx, X(x), Y(y), 3.5);
            shown.push(k);
            marked++;
          }
        }
        ctx.stroke();
      }
      // Trade-offs: the points no other point beats on both outputs.
      let front = 0;
      if (st.x.t === "o" && st.y.t === "o") {
        const [dx, dy] = st.dir;
        const pts = shown.filter((k) => S.ok[k]).sort((a, b) =>
          dx * (sv(st.x, a) - sv(st.x, b)) || dy * (sv(st.y, a) - sv(st.y, b))
        );
        const on: number[] = [];
        let best = Infinity;
        for (let i = 0; i < pts.length;) {
          let j = i;
          let m = Infinity;
          const xv = sv(st.x, pts[i]);
          while (j < pts.length && sv(st.x, pts[j]) === xv) {
            m = Math.min(m, dy * sv(st.y, pts[j++]));
          }
          if (m < best) {
            for (let q = i; q < j; q++) if (dy * sv(st.y, pts[q]) === m) on.push(pts[q]);
            best = m;
          }
          i = j;
        }
        front = on.length;
        ctx.beginPath();
        ctx.strokeStyle = "#111";
        ctx.lineWidth = 1.5;
        on.forEach((k, i) => {
          const x = X(sv(st.x, k));
          const y = Y(sv(st.y, k));
          if (i) ctx.lineTo(x, y);
          else ctx.moveTo(x, y);
        });
        ctx.stroke();
        for (const k of on) {
          ctx.beginPath();
          ctx.arc(X(sv(st.x, k)), Y(sv(st.y, k)), 5, 0, 2 * Math.PI);
          ctx.stroke();
        }
      }
      drawValueTicks(c, ax, true);
      drawValueTicks(c, ay, false);
      axisTitle(
        c,
        refName(st.x) + (ax.log ? " (log)" : ""),
        refName(st.y) + (ay.log ? " (log)" : ""),
      );
      canvas.dataset.points = String(shown.length);
      canvas.dataset.failMarks = String(marked);
      canvas.dataset.front = String(front);
      const keys: string[] = [];
      if (marked) keys.push(`× failed (${marked})`);
      if (unplaced && st.fails) {
        keys.push(
          `${unplaced} failed rows have no ${
            st.x.t === "o" ? refName(st.x) : refName(st.y)
          } to place them by`,
        );
      }
      if (front) {
        keys.push(
          `ringed: ${front} non-dominated points (${st.dir[0] > 0 ? "lower" : "higher"} ${
            refName(st.x)
          }, ${st.dir[1] > 0 ? "lower" : "higher"} ${refName(st.y)} is better)`,
        );
      }
      drawLegend(sc, sc ? refName(st.c) : "", keys.join(" · "));
      const s = sliceText(skip);
      note.textContent = `${ks.length} of ${D.rows} rows drawn (${D.sample.note})${
        s ? `; slice: ${s}` : ""
      }.`;
      hit = (mx, my) => {
        let best = -1;
        let bd = 64;
        for (const k of shown) {
          const x = sv(st.x, k);
          const y = sv(st.y, k);
          const d = (X(x) - mx) ** 2 + (Y(y) - my) ** 2;
          if (d < bd) {
            bd = d;
            best = k;
          }
        }
        if (best < 0) return undefined;
        return [
          `row ${S.row[best]}${S.ok[best] ? "" : ` <span class="bad">failed</span>`}`,
          ...P.map((p, i) => `<b>${esc(p.name)}</b> ${fmt(S.p[i][best])}`),
          ...O.map((o, i) => `${esc(o.name)} ${fmt(S.o[i][best])}`),
        ].join("<br>");
      };
    }

    function drawDiff(c: any): void {
      const { ctx, L, R, T, B } = c;
      const o = st.diffOut;
      const xs = DIFF!.nominal[o];
      const ys = DIFF!.perturbed[o];
      const ks: number[] = [];
      for (let k = 0; k < xs.length; k++) if (isFinite(xs[k]) && isFinite(ys[k])) ks.push(k);
      let lo = Infinity;
      let hi = -Infinity;
      for (const k of ks) {
        lo = Math.min(lo, xs[k], ys[k]);
        hi = Math.max(hi, xs[k], ys[k]);
      }
      if (lo > hi) {
        lo = 0;
        hi = 1;
      }
      const a = valueAxis(lo, hi, false);
      const X = (v: number) => L + a.f(v) * (R - L);
      const Y = (v: number) => B - a.f(v) * (B - T);
      ctx.beginPath();
      ctx.strokeStyle = "#9a9a9a";
      ctx.setLineDash([4, 4]);
      ctx.moveTo(X(lo), Y(lo));
      ctx.lineTo(X(hi), Y(hi));
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = "rgba(31,95,168,0.7)";
      for (const k of ks) ctx.fillRect(X(xs[k]) - 2, Y(ys[k]) - 2, 4, 4);
      drawValueTicks(c, a, true);
      drawValueTicks(c, a, false);
      axisTitle(c, `${O[o].name} at the nominal point`, `${O[o].name} perturbed`);
      canvas.dataset.points = String(ks.length);
      canvas.dataset.output = O[o].name;
      drawLegend(undefined, "", "dashed: no change (perturbed = nominal)");
      note.textContent = `${ks.length} perturbed rows with a value and a successful nominal point${
        xs.length > ks.length ? ` (of ${xs.length} drawn)` : ""
      }.`;
      hit = (mx, my) => {
        let best = -1;
        let bd = 64;
        for (const k of ks) {
          const d = (X(xs[k]) - mx) ** 2 + (Y(ys[k]) - my) ** 2;
          if (d < bd) {
            bd = d;
            best = k;
          }
        }
        if (best < 0) return undefined;
        const rel = xs[best] !== 0
          ? ` (${fmt((100 * (ys[best] - xs[best])) / Math.abs(xs[best]))}%)`
          : "";
        return `nominal ${fmt(xs[best])}<br>perturbed ${fmt(ys[best])}${rel}`;
      };
    }

    function draw(): void {
      const c = sizeCanvas();
      tip.hidden = true;
      if (controls === "diff") drawDiff(c);
      else if (st.x.t === "p" && st.y.t === "p" && st.mark === "cells" && cube) drawCells(c);
      else if (isLine()) drawLine(c);
      else drawPoints(c);
      canvas.setAttribute("aria-label", `${refName(st.y)} against ${refName(st.x)}`);
    }
    canvas.addEventListener("mousemove", (e: any) => {
      const r = canvas.getBoundingClientRect();
      const html = hit(e.clientX - r.left, e.clientY - r.top);
      if (!html) {
        tip.hidden = true;
        return;
      }
      tip.innerHTML = html;
      tip.hidden = false;
      const x = e.clientX - r.left + 14;
      tip.style.left = `${Math.min(x, r.width - tip.offsetWidth - 4)}px`;
      tip.style.top = `${e.clientY - r.top + 14}px`;
    });
    canvas.addEventListener("mouseleave", () => (tip.hidden = true));
    buildControls();
    draw();
    let width = box.clientWidth;
    g.addEventListener("resize", () => {
      if (box.clientWidth !== width) {
        width = box.clientWidth;
        draw();
      }
    });
  }

  // Charts are drawn after the first frame (the tables and headings paint at once), a few at a
  // time so that the page stays responsive while a large one draws.
  const specs: any[] = D.views;
  let next = 0;
  function drawSome(): void {
    const start = g.performance.now();
    while (next < specs.length && g.performance.now() - start < 40) {
      const spec = specs[next++];
      const host = doc.getElementById(spec.el);
      try {
        View(host, spec);
      } catch (e) {
        host.textContent = `This chart could not be drawn: ${e}`;
        throw e;
      }
    }
    if (next < specs.length) g.setTimeout(drawSome, 0);
    // Milliseconds from navigation to every chart drawn (read by the tests and the bench).
    else doc.documentElement.dataset.renderMs = String(Math.round(g.performance.now()));
  }
  g.requestAnimationFrame(() => g.setTimeout(drawSome, 0));
}
