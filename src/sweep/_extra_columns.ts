// Internal: extra numeric columns a sweep's results files carry before the parameters (a
// differential sweep's nominalIndex and differentialIndex), computed from the row index rather
// than held: a sweep that keeps no rows writes them a batch at a time, and what needs every row
// at once (a rewrite of a file from its rows, interpolated files) makes them then.

/** Extra columns by row index; see the module comment. */
export interface ExtraColumns {
  /** The columns' names, in file order. */
  readonly names: readonly string[];
  /** Row `r`'s value of extra column `c`. */
  value(r: number, c: number): number;
}

/** The extra columns of the rows `index`, by name (a batch's). */
export function extraOf(
  extra: ExtraColumns,
  index: ArrayLike<number>,
): Record<string, Float64Array> {
  const n = index.length;
  return Object.fromEntries(extra.names.map((name, c) => {
    const column = new Float64Array(n);
    for (let i = 0; i < n; i++) column[i] = extra.value(index[i], c);
    return [name, column];
  }));
}

/** Every row's extra columns, by name: made now (each call makes them again). */
export function extraColumns(extra: ExtraColumns, rows: number): Record<string, Float64Array> {
  return Object.fromEntries(extra.names.map((name, c) => {
    const column = new Float64Array(rows);
    for (let r = 0; r < rows; r++) column[r] = extra.value(r, c);
    return [name, column];
  }));
}
