// Internal: moving numbers between the two layouts psweep uses. Results are columns (one
// Float64Array per parameter or output, as a user reads them); files, chunks and matrices are
// rows (row-major, `width` values a row). Every transposition goes through here.

/**
 * Lays `columns` out row by row: row `i` of the output holds `columns[0][r]`, `columns[1][r]`, ...
 * with `r = index[i]` (or `i` without `index`). A column that is `undefined` reads as NaN.
 */
export function toRows(
  columns: readonly (ArrayLike<number> | undefined)[],
  rows: number,
  index?: ArrayLike<number>,
): Float64Array {
  const width = columns.length;
  const out = new Float64Array(rows * width);
  for (let c = 0; c < width; c++) {
    const column = columns[c];
    if (column === undefined) {
      for (let i = 0, at = c; i < rows; i++, at += width) out[at] = NaN;
    } else if (index === undefined) {
      for (let i = 0, at = c; i < rows; i++, at += width) out[at] = column[i];
    } else {
      for (let i = 0, at = c; i < rows; i++, at += width) out[at] = column[index[i]];
    }
  }
  return out;
}

/**
 * Column `c` of the row-major `data` (`width` values a row): of its first `rows` rows, or of
 * the rows `index` when given.
 */
export function columnOf(
  data: ArrayLike<number>,
  width: number,
  c: number,
  rows: number | ArrayLike<number> = Math.floor(data.length / width),
): Float64Array {
  if (typeof rows === "number") {
    const out = new Float64Array(rows);
    for (let i = 0, at = c; i < rows; i++, at += width) out[i] = data[at];
    return out;
  }
  const out = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = data[rows[i] * width + c];
  return out;
}

/** Every column of the row-major `data`, `width` values a row, by name. */
export function namedColumns(
  data: ArrayLike<number>,
  names: readonly string[],
  rows: number,
): Record<string, Float64Array> {
  return Object.fromEntries(names.map((name, c) => [name, columnOf(data, names.length, c, rows)]));
}

/**
 * Writes the rows of the row-major `data` (`columns.length` values a row) into `columns`: row `i`
 * goes to position `index[i]` of each column.
 */
export function intoColumns(
  data: ArrayLike<number>,
  columns: readonly Float64Array[],
  index: ArrayLike<number>,
): void {
  const width = columns.length;
  for (let c = 0; c < width; c++) {
    const column = columns[c];
    for (let i = 0, at = c; i < index.length; i++, at += width) column[index[i]] = data[at];
  }
}

/**
 * `count` columns of `rows` values on one new buffer, column j copied from `source(j)`, NaN where
 * it gives none: so that they go to another thread as one buffer, not one each (a model of a
 * thousand outputs made messages of a thousand buffers).
 */
export function columnsOnOneBuffer(
  count: number,
  rows: number,
  source: (j: number) => Float64Array | undefined,
): Float64Array[] {
  const buffer = new ArrayBuffer(count * rows * 8);
  const columns: Float64Array[] = [];
  for (let j = 0; j < count; j++) {
    const column = new Float64Array(buffer, j * rows * 8, rows);
    const from = source(j);
    if (from === undefined) column.fill(NaN);
    else column.set(from);
    columns.push(column);
  }
  return columns;
}
