// Internal: the one module that knows the Delaunay triangulation packages, loaded on first use
// (so that importing psweep needs neither: a program run without psweep's deno.json cannot
// resolve them). In 2-D npm:delaunator (maintained, ~10 ms for 10,000 points); in more
// dimensions npm:delaunay-triangulate (lifts the points onto a paraboloid and takes the lower
// convex hull, with robust predicates), much slower: ~6 s for 1,000 points in 3-D here.

type Triangulate = (points: number[][]) => number[][];
let any: Triangulate | undefined;
let plane: ((points: number[][]) => number[][]) | undefined;

/** The simplices (each d + 1 point indices) of the Delaunay triangulation of `points`. */
export async function delaunay(points: number[][]): Promise<number[][]> {
  if (points[0]?.length === 2) {
    if (!plane) {
      const Delaunator = (await import("npm:delaunator@5.1.0")).default;
      plane = (pts) => {
        const { triangles } = Delaunator.from(pts);
        const out: number[][] = [];
        for (let i = 0; i < triangles.length; i += 3) {
          out.push([triangles[i], triangles[i + 1], triangles[i + 2]]);
        }
        return out;
      };
    }
    return plane(points);
  }
  any ??= (await import("npm:delaunay-triangulate@1.1.6")).default as Triangulate;
  return any(points);
}
