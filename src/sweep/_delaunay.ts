// Internal: the one module that knows the Delaunay triangulation package. Any dimension:
// npm:delaunay-triangulate (mikolalysenko; lifts the points onto a paraboloid and takes the
// lower convex hull, with robust predicates). delaunator, better kept, is 2-D only, and
// WaterTAP's own test of this feature is 3-D. Loaded on first use, so that importing psweep
// does not need it (a program run without psweep's deno.json cannot resolve it).

type Triangulate = (points: number[][]) => number[][];
let triangulate: Triangulate | undefined;

/** The simplices (each d + 1 point indices) of the Delaunay triangulation of `points`. */
export async function delaunay(points: number[][]): Promise<number[][]> {
  triangulate ??= (await import("delaunay-triangulate")).default as Triangulate;
  return triangulate(points);
}
