// Internal: the Delaunay simplex that holds a point, in 3 or more dimensions, without building
// the triangulation.
//
// Lift every point p onto the paraboloid (p, |p|²). The lower convex hull of the lifted points
// projects back onto the Delaunay triangulation, so the simplex under a query q and q's
// barycentric weights in it are the solution of a small linear program:
//
//   minimize  Σ λᵢ |pᵢ - q|²   subject to   Σ λᵢ (pᵢ - q) = 0,   Σ λᵢ = 1,   λ ≥ 0
//
// (centred on q: the same optimum as with |pᵢ|², on smaller numbers). It is feasible exactly when
// q lies in the points' convex hull, and an optimal basic solution has at most d + 1 weights that
// are not zero: the vertices of the Delaunay simplex holding q and q's weights in it. Where the
// triangulation is not unique (cospherical points, as on a grid) it is one of the simplices of the
// Delaunay cell that holds q. Solved by the two-phase revised simplex method on d + 1 rows
// (Dantzig's rule; Bland's after a run of degenerate steps, so that it cannot cycle), first over
// the points nearest q (the simplex holding q is almost always among them), then over all of
// them, which only confirms the solution unless a farther point improves it: the answer is that
// of the whole program either way, at a few passes over the points instead of one per step.
//
// npm:delaunay-triangulate, used here before, built triangulations that left parts of the hull
// uncovered in 3-D and overlapped in 4-D; scipy's Qhull is not available to Deno.

/** Where a point lies: the points (indices) around it and its weights on them. */
export interface Located {
  vertices: number[];
  weights: number[];
}

// Reduced costs and pivots smaller than this are taken as zero (coordinates are rescaled to
// ranges of 1, as scipy's `rescale=True` does, so the numbers are of order 1).
const TOLERANCE = 1e-11;
// Phase 1 leaves at most this much of the artificial variables for a point to count as inside.
const INSIDE = 1e-9;
// Degenerate steps in a row after which the entering column is chosen by Bland's rule.
const DEGENERATE_RUN = 20;
// How many of the nearest points the program is first solved over, per dimension.
const NEAREST_PER_DIMENSION = 24;

/**
 * Locates points among `n` points of `d` dimensions, row-major in `points`.
 * @returns The vertices of the Delaunay simplex that holds `q` with `q`'s barycentric weights in
 * it, or undefined when `q` lies outside the points' convex hull.
 * @throws {Error} When the linear program does not finish (it should not: the guard is there so
 * that no bug can hang a sweep).
 */
export function locateInDelaunay(
  points: Float64Array,
  n: number,
  d: number,
  q: ArrayLike<number>,
): Located | undefined {
  const m = d + 1;
  // Basis: column ids, j < n a point, n + k the artificial variable of row k.
  const basis = new Int32Array(m);
  const inverse = new Float64Array(m * m);
  const x = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    basis[k] = n + k;
    inverse[k * m + k] = 1;
  }
  // b = (0, ..., 0, 1): the weights' moment about q, then their sum.
  x[d] = 1;
  const inBasis = new Uint8Array(n);
  const pi = new Float64Array(m);
  const u = new Float64Array(m);
  const column = new Float64Array(m);

  // Column j of the constraint matrix: (pⱼ - q, 1).
  const columnOf = (j: number): Float64Array => {
    if (j >= n) {
      column.fill(0);
      column[j - n] = 1;
      return column;
    }
    for (let k = 0; k < d; k++) column[k] = points[j * d + k] - q[k];
    column[d] = 1;
    return column;
  };
  const cost = (j: number, phase: 1 | 2): number => {
    if (j >= n) return phase === 1 ? 1 : 0;
    if (phase === 1) return 0;
    let s = 0;
    for (let k = 0; k < d; k++) {
      const t = points[j * d + k] - q[k];
      s += t * t;
    }
    return s;
  };
  const pivot = (r: number, j: number): void => {
    const a = columnOf(j);
    for (let i = 0; i < m; i++) {
      let s = 0;
      for (let k = 0; k < m; k++) s += inverse[i * m + k] * a[k];
      u[i] = s;
    }
    const ur = u[r];
    for (let k = 0; k < m; k++) inverse[r * m + k] /= ur;
    x[r] /= ur;
    for (let i = 0; i < m; i++) {
      if (i === r || u[i] === 0) continue;
      const f = u[i];
      for (let k = 0; k < m; k++) inverse[i * m + k] -= f * inverse[r * m + k];
      x[i] -= f * x[r];
    }
    if (basis[r] < n) inBasis[basis[r]] = 0;
    basis[r] = j;
    if (j < n) inBasis[j] = 1;
  };

  // Solves over the points `among` (all of them when undefined) from the current basis.
  const solve = (phase: 1 | 2, among?: Int32Array): void => {
    const count = among ? among.length : n;
    let degenerate = 0;
    const limit = 50 * (count + m) + 1000;
    for (let step = 0; step < limit; step++) {
      // Duals: π = c_B B⁻¹.
      pi.fill(0);
      for (let i = 0; i < m; i++) {
        const c = cost(basis[i], phase);
        if (c === 0) continue;
        for (let k = 0; k < m; k++) pi[k] += c * inverse[i * m + k];
      }
      // Pricing over the points (artificial variables never enter).
      const bland = degenerate >= DEGENERATE_RUN;
      let enter = -1;
      let best = -TOLERANCE;
      for (let t = 0; t < count; t++) {
        const j = among ? among[t] : t;
        if (inBasis[j]) continue;
        let reduced = cost(j, phase) - pi[d];
        for (let k = 0; k < d; k++) reduced -= pi[k] * (points[j * d + k] - q[k]);
        if (reduced < best) {
          enter = j;
          if (bland) break;
          best = reduced;
        }
      }
      if (enter < 0) return;
      const a = columnOf(enter);
      for (let i = 0; i < m; i++) {
        let s = 0;
        for (let k = 0; k < m; k++) s += inverse[i * m + k] * a[k];
        u[i] = s;
      }
      // Ratio test; ties go to the lowest column id (Bland).
      let leave = -1;
      let ratio = Infinity;
      for (let i = 0; i < m; i++) {
        if (u[i] <= TOLERANCE) continue;
        const t = Math.max(0, x[i]) / u[i];
        if (t < ratio || (t === ratio && basis[i] < basis[leave])) {
          ratio = t;
          leave = i;
        }
      }
      // Unbounded cannot happen (the weights sum to 1); a column with no positive entry here
      // is a rounding artefact, and the solution stands.
      if (leave < 0) return;
      degenerate = ratio === 0 ? degenerate + 1 : 0;
      pivot(leave, enter);
    }
    throw new Error(
      `Cannot interpolate NaN outputs as locating a point among ${n} points in ${d} dimensions did not finish`,
    );
  };

  const near = nearest(points, n, d, q, NEAREST_PER_DIMENSION * m);
  const artificial = (): number => {
    let sum = 0;
    for (let i = 0; i < m; i++) if (basis[i] >= n) sum += Math.max(0, x[i]);
    return sum;
  };
  if (near) solve(1, near);
  if (!near || artificial() > INSIDE) solve(1);
  if (artificial() > INSIDE) return undefined;
  // Artificial variables left in the basis (at zero) are swapped for points where a point has a
  // part in their row; one that none has marks a redundant row and stays, at zero.
  for (let i = 0; i < m; i++) {
    if (basis[i] < n) continue;
    for (let j = 0; j < n; j++) {
      if (inBasis[j]) continue;
      const a = columnOf(j);
      let s = 0;
      for (let k = 0; k < m; k++) s += inverse[i * m + k] * a[k];
      if (Math.abs(s) > 1e-9) {
        pivot(i, j);
        break;
      }
    }
  }
  if (near) solve(2, near);
  solve(2);
  const vertices: number[] = [];
  const weights: number[] = [];
  let sum = 0;
  for (let i = 0; i < m; i++) {
    if (basis[i] >= n || x[i] <= 0) continue;
    vertices.push(basis[i]);
    weights.push(x[i]);
    sum += x[i];
  }
  if (vertices.length === 0) return undefined;
  // The weights sum to 1 up to rounding; normalized so that a constant output stays exact.
  for (let i = 0; i < weights.length; i++) weights[i] /= sum;
  return { vertices, weights };
}

// The `k` points nearest q (or undefined when that is all of them).
function nearest(
  points: Float64Array,
  n: number,
  d: number,
  q: ArrayLike<number>,
  k: number,
): Int32Array | undefined {
  if (n <= k) return undefined;
  const distance = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let c = 0; c < d; c++) {
      const t = points[j * d + c] - q[c];
      s += t * t;
    }
    distance[j] = s;
  }
  const bound = kthSmallest(distance.slice(), k - 1);
  const out: number[] = [];
  for (let j = 0; j < n && out.length < k; j++) if (distance[j] <= bound) out.push(j);
  return Int32Array.from(out);
}

// The k-th smallest value (from 0) of `a`, which it reorders (Hoare's selection).
function kthSmallest(a: Float64Array, k: number): number {
  let lo = 0, hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1];
    let i = lo, j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k];
  }
  return a[k];
}
