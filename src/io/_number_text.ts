// Internal: the WebAssembly number formatter (see _number_text/number_text.as.ts) and the
// memory that the results encoders (./_rows.ts) assemble rows in.
import { NUMBER_TEXT_WASM } from "./_number_text_wasm.ts";

/** One instance of the formatter: its memory holds the rows being encoded. */
export interface NumberText {
  /**
   * Writes String(x) (but "-0" for negative zero) at byte `at` of `bytes`; returns the end, or
   * 0 for a subnormal, which the caller writes itself.
   */
  readonly format: (x: number, at: number) => number;
  /** The whole memory; renewed by `reserve` when the memory grows. */
  bytes: Uint8Array;
  /** The first byte the caller may use. */
  readonly base: number;
  /** Makes bytes [0, end) usable, growing the memory when needed; returns `bytes`. */
  reserve(end: number): Uint8Array;
}

interface Exports {
  memory: WebAssembly.Memory;
  format(x: number, at: number): number;
  table(): number;
  base(): number;
}

let module: WebAssembly.Module | undefined;
const M63 = (1n << 63n) - 1n;

/**
 * A new formatter, or `undefined` where WebAssembly cannot run (V8 without a compiler, for
 * one): callers then format with String(x).
 */
export function createNumberText(): NumberText | undefined {
  let exports: Exports;
  try {
    module ??= new WebAssembly.Module(Uint8Array.fromBase64(NUMBER_TEXT_WASM));
    exports = new WebAssembly.Instance(module).exports as unknown as Exports;
  } catch {
    return undefined;
  }
  fillTable(exports);
  const memory = exports.memory;
  const text: NumberText = {
    format: exports.format,
    bytes: new Uint8Array(memory.buffer),
    base: exports.base(),
    reserve(end: number): Uint8Array {
      if (end > text.bytes.length) {
        const page = 1 << 16;
        const need = Math.ceil((end - text.bytes.length) / page);
        // Double at least, so that a large chunk grows the memory a few times, not per row.
        memory.grow(Math.max(need, text.bytes.length / page));
        text.bytes = new Uint8Array(memory.buffer);
      }
      return text.bytes;
    },
  };
  return text;
}

// g(k) = floor(10^-k 2^(125 - r)) + 1 with r = floor(log2(10^-k)), for k = -324 .. 292: a
// 126-bit value just above 10^-k scaled into [2^125, 2^126), stored as g >> 63 and the low
// 63 bits. Computed here from its definition, exactly, with BigInt (about a millisecond).
function fillTable(exports: Exports): void {
  const table = new BigUint64Array(exports.memory.buffer, exports.table(), 617 * 2);
  for (let k = -324, i = 0; k <= 292; k++, i += 2) {
    const r = Number((BigInt(-k) * 913124641741n) >> 38n);
    let num = k <= 0 ? 10n ** BigInt(-k) : 1n;
    let den = k > 0 ? 10n ** BigInt(k) : 1n;
    if (r <= 125) num <<= BigInt(125 - r);
    else den <<= BigInt(r - 125);
    const g = num / den + 1n;
    table[i] = g >> 63n;
    table[i + 1] = g & M63;
  }
}
