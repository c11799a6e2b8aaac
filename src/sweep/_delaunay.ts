// Internal: the one module that knows the Delaunay triangulation package, loaded on first use
// (so that importing psweep does not need it: a program run without psweep's deno.json cannot
// resolve it). 2-D only, npm:delaunator (maintained, robust predicates, ~10 ms for 10,000
// points); in more dimensions a point's simplex is found without a triangulation
// (./_lifted_delaunay.ts).

let plane: ((points: number[][]) => number[][]) | undefined;

/** The triangles (each 3 point indices) of the Delaunay triangulation of 2-D `points`. */
export async function delaunay(points: number[][]): Promise<number[][]> {
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
