// Internal: the Arrow IPC stream messages a results file needs, written by hand: the schema (float64
// columns and a bool `success`, with key-value metadata), record batches, and the end-of-stream
// marker; and the framing read back to find where the complete messages end. Writing these few
// messages here keeps apache-arrow (about 40 ms of CPU to load, on the main thread at a sweep's
// start) out of the write path; it still reads the files, and the tests check these bytes
// against its writer's.
//
// Each message: a continuation marker (0xFFFFFFFF), the metadata's length, the flatbuffer
// `Message` padded to 8 bytes, then the body.

/** The end-of-stream marker: a continuation marker and a zero metadata length. */
export const EOS: Uint8Array = Uint8Array.of(255, 255, 255, 255, 0, 0, 0, 0);

/**
 * A minimal flatbuffer builder, back to front as flatbuffers are built: leaves (strings,
 * vectors) first, then the tables that point at them, then the root.
 */
class Builder {
  #bytes = new Uint8Array(256);
  #view = new DataView(this.#bytes.buffer);
  // Bytes still free at the front; data lies in #bytes[#space..].
  #space = 256;
  #minAlign = 1;
  #vtable: number[] = [];
  #objectStart = 0;

  /** Where the data written so far starts, counted from the end. */
  offset(): number {
    return this.#bytes.length - this.#space;
  }

  #grow(need: number): void {
    while (this.#space < need) {
      const old = this.#bytes;
      const bigger = new Uint8Array(old.length * 2);
      bigger.set(old, old.length);
      this.#space += old.length;
      this.#bytes = bigger;
      this.#view = new DataView(bigger.buffer);
    }
  }

  // Pads so that, once `additional` more bytes are written, a value of `size` bytes is aligned.
  #prep(size: number, additional: number): void {
    if (size > this.#minAlign) this.#minAlign = size;
    const pad = (~(this.offset() + additional) + 1) & (size - 1);
    this.#grow(pad + size + additional);
    for (let i = 0; i < pad; i++) this.#bytes[--this.#space] = 0;
  }

  #int8(x: number): void {
    this.#prep(1, 0);
    this.#view.setInt8(--this.#space, x);
  }

  #int16(x: number): void {
    this.#prep(2, 0);
    this.#space -= 2;
    this.#view.setInt16(this.#space, x, true);
  }

  #int32(x: number): void {
    this.#prep(4, 0);
    this.#space -= 4;
    this.#view.setInt32(this.#space, x, true);
  }

  /** A reference to something already written. */
  #offsetTo(target: number): void {
    this.#prep(4, 0);
    // Relative to where the reference itself lies: the offset once it is written.
    const relative = this.offset() - target + 4;
    this.#space -= 4;
    this.#view.setInt32(this.#space, relative, true);
  }

  string(text: string): number {
    const utf8 = new TextEncoder().encode(text);
    this.#prep(4, utf8.length + 1);
    this.#bytes[--this.#space] = 0;
    this.#space -= utf8.length;
    this.#bytes.set(utf8, this.#space);
    this.#space -= 4;
    this.#view.setInt32(this.#space, utf8.length, true);
    return this.offset();
  }

  /** A vector of references. */
  offsets(targets: readonly number[]): number {
    this.#prep(4, 4 * targets.length);
    for (let i = targets.length - 1; i >= 0; i--) this.#offsetTo(targets[i]);
    this.#space -= 4;
    this.#view.setInt32(this.#space, targets.length, true);
    return this.offset();
  }

  startTable(fields: number): void {
    this.#vtable = new Array(fields).fill(0);
    this.#objectStart = this.offset();
  }

  int8Field(slot: number, x: number): void {
    this.#int8(x);
    this.#vtable[slot] = this.offset();
  }

  int16Field(slot: number, x: number): void {
    this.#int16(x);
    this.#vtable[slot] = this.offset();
  }

  offsetField(slot: number, target: number): void {
    this.#offsetTo(target);
    this.#vtable[slot] = this.offset();
  }

  /** Ends a table: its vtable goes just before it. */
  endTable(): number {
    this.#int32(0);
    const table = this.offset();
    for (let i = this.#vtable.length - 1; i >= 0; i--) {
      this.#int16(this.#vtable[i] ? table - this.#vtable[i] : 0);
    }
    this.#int16(table - this.#objectStart);
    this.#int16((this.#vtable.length + 2) * 2);
    const vtable = this.offset();
    this.#view.setInt32(this.#bytes.length - table, vtable - table, true);
    return table;
  }

  finish(root: number): Uint8Array {
    this.#prep(this.#minAlign, 4);
    this.#offsetTo(root);
    return this.#bytes.slice(this.#space);
  }
}

/** The names of a schema's columns and its key-value metadata. */
export interface SchemaSpec {
  /** Float64 columns, in order; a bool `success` column follows them. */
  readonly doubles: readonly string[];
  readonly metadata: ReadonlyMap<string, string>;
}

/** The encapsulated Schema message of a results stream. */
export function encodeSchema(spec: SchemaSpec): Uint8Array {
  const b = new Builder();
  // Fields: name, nullable (false: left at its default), type_type, type, children (empty).
  const field = (name: string, bool: boolean): number => {
    const nameAt = b.string(name);
    const children = b.offsets([]);
    b.startTable(bool ? 0 : 1);
    if (!bool) b.int16Field(0, 2); // FloatingPoint { precision: DOUBLE }
    const type = b.endTable();
    b.startTable(7);
    b.offsetField(0, nameAt);
    b.offsetField(3, type);
    b.offsetField(5, children);
    b.int8Field(2, bool ? 6 : 3); // Type.Bool, Type.FloatingPoint
    return b.endTable();
  };
  const fields = [...spec.doubles.map((n) => field(n, false)), field("success", true)];
  const fieldsAt = b.offsets(fields);
  const pairs = [...spec.metadata].map(([key, value]) => {
    const k = b.string(key);
    const v = b.string(value);
    b.startTable(2);
    b.offsetField(0, k);
    b.offsetField(1, v);
    return b.endTable();
  });
  const metadataAt = b.offsets(pairs);
  b.startTable(4); // Schema: endianness (Little, the default), fields, custom_metadata, features
  b.offsetField(1, fieldsAt);
  b.offsetField(2, metadataAt);
  const schema = b.endTable();
  b.startTable(5); // Message: version, header_type, header, bodyLength (0), custom_metadata
  b.offsetField(2, schema);
  b.int16Field(0, 4); // MetadataVersion.V5
  b.int8Field(1, 1); // MessageHeader.Schema
  const message = b.finish(b.endTable());
  const length = (message.length + 7) & ~7;
  const out = new Uint8Array(8 + length);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0xffffffff, true);
  view.setInt32(4, length, true);
  out.set(message, 8);
  return out;
}

/**
 * An encapsulated RecordBatch message of `n` rows: float64 columns without nulls, then the bool
 * column `success`. The metadata is the flatbuffer `Message { version: V5, header: RecordBatch
 * { length, nodes, buffers }, bodyLength }`, laid out as apache-arrow's writer lays it out:
 *
 *   0  root offset (20)            8  Message vtable             20 Message table
 *   42 RecordBatch vtable         52 RecordBatch table           76 buffers: count, 2 per column
 *   then nodes: count, 1 per column; 88 + 48 * columns bytes in all (a multiple of 8).
 *
 * The body holds each column's values, then the bits of `success` padded to 8 bytes; no column
 * has a validity buffer (each is given with length 0). One allocation and a copy per column.
 */
export function encodeRecordBatch(
  n: number,
  columns: readonly Float64Array[],
  success: Uint8Array,
): Uint8Array {
  const C = columns.length + 1;
  const metaLength = 88 + 48 * C;
  const bitsLength = (((n + 7) >> 3) + 7) & ~7;
  const bodyLength = columns.length * n * 8 + bitsLength;
  const out = new Uint8Array(8 + metaLength + bodyLength);
  const v = new DataView(out.buffer);
  v.setUint32(0, 0xffffffff, true);
  v.setInt32(4, metaLength, true);
  const m = 8; // the metadata starts here
  v.setUint32(m + 0, 20, true);
  // Message vtable: its size, the table's size, then version, header_type, header, bodyLength.
  [12, 22, 20, 15, 16, 4].forEach((x, i) => v.setUint16(m + 8 + 2 * i, x, true));
  v.setInt32(m + 20, 12, true);
  v.setBigInt64(m + 24, BigInt(bodyLength), true);
  out[m + 35] = 3; // MessageHeader.RecordBatch
  v.setUint32(m + 36, 16, true); // to the RecordBatch table at 52
  v.setInt16(m + 40, 4, true); // MetadataVersion.V5
  // RecordBatch vtable: its size, the table's size, then length, nodes, buffers.
  [10, 24, 12, 8, 4].forEach((x, i) => v.setUint16(m + 42 + 2 * i, x, true));
  v.setInt32(m + 52, 10, true);
  v.setUint32(m + 56, 20, true); // buffers vector at 76
  const nodesAt = 80 + 32 * C + 4;
  v.setUint32(m + 60, nodesAt - 60, true);
  v.setBigInt64(m + 64, BigInt(n), true);
  v.setUint32(m + 76, 2 * C, true);
  const body = 8 + metaLength;
  let offset = 0;
  for (let c = 0; c < columns.length; c++) {
    const at = m + 80 + 32 * c;
    v.setBigInt64(at, BigInt(offset), true); // validity: none
    v.setBigInt64(at + 16, BigInt(offset), true);
    v.setBigInt64(at + 24, BigInt(n * 8), true);
    new Float64Array(out.buffer, body + offset, n).set(columns[c].subarray(0, n));
    offset += n * 8;
  }
  const bitsAt = m + 80 + 32 * columns.length;
  v.setBigInt64(bitsAt, BigInt(offset), true);
  v.setBigInt64(bitsAt + 16, BigInt(offset), true);
  v.setBigInt64(bitsAt + 24, BigInt(bitsLength), true);
  for (let i = 0, at = body + offset; i < n; i++) {
    if (success[i]) out[at + (i >> 3)] |= 1 << (i & 7);
  }
  v.setUint32(m + nodesAt, C, true);
  for (let c = 0; c < C; c++) v.setBigInt64(m + nodesAt + 4 + 16 * c, BigInt(n), true);
  return out;
}

/**
 * The byte length of the complete messages at the start of `bytes` (the end of the last
 * complete one, before any end-of-stream marker), read from the IPC framing: a continuation
 * marker, the metadata length, a flatbuffer `Message` whose `bodyLength` says how long the body
 * that follows is.
 */
export function completeLength(bytes: Uint8Array): { keep: number; messages: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  let messages = 0;
  while (at + 8 <= bytes.length) {
    if (view.getUint32(at, true) !== 0xffffffff) break;
    const length = view.getInt32(at + 4, true);
    if (length <= 0) break; // the end-of-stream marker
    const meta = at + 8;
    if (meta + length > bytes.length || length < 4) break;
    // Message table: root offset, then its vtable; bodyLength is the table's fourth field.
    const table = meta + view.getUint32(meta, true);
    if (table + 4 > meta + length) break;
    const vtable = table - view.getInt32(table, true);
    if (vtable < meta || vtable + 4 > meta + length) break;
    const vtableLength = view.getUint16(vtable, true);
    const slot = 4 + 2 * 3;
    const offset = slot + 2 <= vtableLength ? view.getUint16(vtable + slot, true) : 0;
    const body = offset === 0 ? 0 : Number(view.getBigInt64(table + offset, true));
    const end = meta + length + body;
    if (!(body >= 0) || end > bytes.length) break;
    at = end;
    messages++;
  }
  return { keep: at, messages };
}
