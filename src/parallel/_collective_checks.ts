// Internal: argument checks shared by every implementation of the collectives, so that all
// managers reject the same mistakes with the same messages.
import type { TypedArray } from "./matrix.ts";
import type { ReceiveBufferSpec } from "./parallel_manager.ts";

/** Checks a gatherv receive spec on the root against the group size and this rank's send. */
export function checkReceiveSpec(
  spec: ReceiveBufferSpec | undefined,
  groupSize: number,
  rank: number,
  sendLength: number,
): ReceiveBufferSpec {
  if (spec === undefined) {
    throw new TypeError(
      "Cannot gather arrays as 'recvbufSpec' is required on the root: current value is undefined",
    );
  }
  const { buffer, sizes } = spec;
  if (sizes.length !== groupSize) {
    throw new RangeError(
      `Cannot gather arrays as 'recvbufSpec.sizes' must have one entry per peer (${groupSize}): current length is ${sizes.length}`,
    );
  }
  let total = 0;
  for (const s of sizes) {
    if (!Number.isInteger(s) || s < 0) {
      throw new RangeError(
        `Cannot gather arrays as 'recvbufSpec.sizes' must hold non-negative integers: current value is [${sizes}]`,
      );
    }
    total += s;
  }
  if (sizes[rank] !== sendLength) {
    throw new RangeError(
      `Cannot gather arrays as 'recvbufSpec.sizes[${rank}]' must equal the length sent by rank ${rank} (${sendLength}): current value is ${
        sizes[rank]
      }`,
    );
  }
  if (buffer.length < total) {
    throw new RangeError(
      `Cannot gather arrays as 'recvbufSpec.buffer' must hold at least ${total} elements: current length is ${buffer.length}`,
    );
  }
  return spec;
}

/** Checks that an allreduce's two buffers match. */
export function checkSumBuffers(sendbuf: TypedArray, recvbuf: TypedArray): void {
  if (sendbuf.length !== recvbuf.length) {
    throw new RangeError(
      `Cannot sum values as 'recvbuf' must be as long as 'sendbuf' (${sendbuf.length}): current length is ${recvbuf.length}`,
    );
  }
}

/** Copies `src` into `dst` at `offset`, across element types (as numpy's assignment does). */
export function copyInto(dst: TypedArray, src: TypedArray, offset = 0): void {
  if (Object.getPrototypeOf(dst) === Object.getPrototypeOf(src)) {
    // deno-lint-ignore no-explicit-any
    (dst as any).set(src, offset);
  } else {
    // deno-lint-ignore no-explicit-any
    for (let i = 0; i < src.length; i++) (dst as any)[offset + i] = (src as any)[i];
  }
}
