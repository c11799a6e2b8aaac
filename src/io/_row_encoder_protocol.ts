// Internal: the messages between RowEncoder (./_row_encoder.ts) and its worker
// (./_row_encoder_worker.ts).
import type { RowFormat } from "./row_types.ts";

/**
 * Consecutive rows of a grid, from row `first`: parameter `c`'s value in row `r` is
 * `values[c][Math.floor(r / strides[c]) % values[c].length]`. Its text is made once per value,
 * not once per row (see GridText in ./_rows.ts). The arrays are the grid's own: copied to the
 * worker, never moved.
 */
export interface GridSlice {
  first: number;
  values: Float64Array[];
  strides: number[];
}

/**
 * Rows to encode, each array on a buffer of its own (they move to the worker, not copied): the
 * parameters row-major (or as a slice of a grid), the outputs row-major or as one column per
 * output name.
 */
export interface EncodeRows {
  rows: number;
  params: Float64Array | GridSlice;
  outputs: Float64Array | Float64Array[];
  success: Uint8Array;
  /** The failed rows' messages: [row within the batch, message]. */
  failures: [number, string][];
  extra?: Record<string, Float64Array>;
}

/** A batch to encode for some formats, with the header it is written under. */
export interface EncodeRequest {
  id: number;
  formats: RowFormat[];
  header: { extraNames: string[]; paramNames: string[]; outputNames: string[] };
  batch: EncodeRows;
}

/** The text of a batch, one per format asked for, or why it could not be made. */
export interface EncodeReply {
  id: number;
  bytes?: Uint8Array[];
  error?: string;
}
