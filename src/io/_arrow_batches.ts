// Internal: the record batches of an Arrow IPC stream as plain columns, for the streams psweep
// writes (float64 columns and a bool `success`, no nulls, no compression, no dictionaries).
// apache-arrow's readers make a RecordBatch of every batch, whose constructor merges the schema
// with its own fields name by name (`Schema.assign`: fields² comparisons a batch): a stream of a
// thousand outputs in small batches took seconds to read. Here apache-arrow still parses the
// messages (MessageReader); the columns are taken from each batch's body as they lie. A batch
// with anything else gives `undefined`, and the caller reads the stream with apache-arrow.
import type { Schema } from "npm:apache-arrow@21.2.0";

/** One record batch's rows: a float64 array per column before `success`, and `success`. */
export interface PlainBatch {
  readonly rows: number;
  readonly columns: Float64Array[];
  readonly success: Uint8Array;
}

/** What a record batch message holds (apache-arrow's metadata RecordBatch). */
export interface BatchHeader {
  readonly length: number | bigint;
  readonly nodes: readonly { length: number | bigint; nullCount: number | bigint }[];
  readonly buffers: readonly { offset: number | bigint; length: number | bigint }[];
  readonly compression: unknown;
}

// apache-arrow's Type ids: Float (with precision DOUBLE = 2) and Bool.
const FLOAT = 3;
const DOUBLE = 2;
const BOOL = 6;

/**
 * Whether a schema is psweep's layout: `width` float64 columns, then a bool, and nothing else.
 */
export function isPlainSchema(schema: Schema, width: number): boolean {
  const fields = schema.fields;
  if (fields.length !== width + 1) return false;
  for (let i = 0; i < width; i++) {
    const type = fields[i].type as { typeId?: number; precision?: number };
    if (type.typeId !== FLOAT || type.precision !== DOUBLE) return false;
  }
  return (fields[width].type as { typeId?: number }).typeId === BOOL;
}

/**
 * The columns of a record batch of a plain schema (see `isPlainSchema`) from its header and
 * body, copied out of the body; `undefined` when the batch is not as psweep writes it (nulls,
 * compression, buffers out of the body).
 */
export function plainBatch(
  header: BatchHeader,
  body: Uint8Array,
  width: number,
): PlainBatch | undefined {
  const rows = Number(header.length);
  const { nodes, buffers } = header;
  if (header.compression != null) return undefined;
  // Two buffers a field (validity, values), a node a field.
  if (nodes.length !== width + 1 || buffers.length !== 2 * (width + 1)) return undefined;
  for (const node of nodes) {
    if (Number(node.length) !== rows || Number(node.nullCount) !== 0) return undefined;
  }
  const region = (i: number, bytes: number): Uint8Array | undefined => {
    const { offset, length } = buffers[i];
    const at = Number(offset);
    if (Number(length) < bytes || at < 0 || at + bytes > body.length) return undefined;
    return body.subarray(at, at + bytes);
  };
  const columns: Float64Array[] = [];
  for (let c = 0; c < width; c++) {
    const values = region(2 * c + 1, rows * 8);
    if (values === undefined) return undefined;
    // Copied: the body's offset need not be a multiple of 8, and the body is let go.
    columns.push(new Float64Array(values.slice().buffer));
  }
  const bits = region(2 * width + 1, (rows + 7) >> 3);
  if (bits === undefined) return undefined;
  const success = new Uint8Array(rows);
  for (let r = 0; r < rows; r++) success[r] = (bits[r >> 3] >> (r & 7)) & 1;
  return { rows, columns, success };
}
