// Internal: the one module that knows the Delaunay triangulation package. Any dimension:
// npm:delaunay-triangulate (mikolalysenko; lifts the points onto a paraboloid and takes the
// lower convex hull, with robust predicates). delaunator, better kept, is 2-D only, and
// WaterTAP's own test of this feature is 3-D.
import triangulate from "delaunay-triangulate";

/** The simplices (each d + 1 point indices) of the Delaunay triangulation of `points`. */
export function delaunay(points: number[][]): number[][] {
  return triangulate(points) as number[][];
}
