// Internal: the collectives of a manager that is a group of one, the root alone (the serial
// manager, the worker pool's main thread, the Redis root): there is no peer to wait for or to
// hear from, so a barrier returns at once, a broadcast or allgather gives back the root's own
// value and a gather or sum copies the send buffer. Every such manager delegates here, so that
// all of them answer alike and reject the same mistakes with the same messages.
import { checkReceiveSpec, checkSumBuffers, copyInto } from "./_collective_checks.ts";
import type { TypedArray } from "./matrix.ts";
import {
  type LocalResults,
  type ParallelManager,
  type ReceiveBufferSpec,
  ROOT_PROCESS_RANK,
} from "./parallel_manager.ts";

/** The part of the contract that is the same for every group of one. */
export type GroupOfOne = Pick<
  ParallelManager,
  | "isRootProcess"
  | "getRank"
  | "syncWithPeers"
  | "syncArrayWithPeers"
  | "syncObjectWithPeers"
  | "combineDataWithPeers"
  | "gatherArraysToRoot"
  | "sumValuesAndSync"
  | "resultsFromLocalTree"
>;

/** The collectives of the root alone; managers that are a group of one call these. */
export const GROUP_OF_ONE: GroupOfOne = {
  isRootProcess: () => true,
  getRank: () => ROOT_PROCESS_RANK,
  syncWithPeers: () => Promise.resolve(),
  // The root's array is already in place.
  syncArrayWithPeers: (_data: TypedArray) => Promise.resolve(),
  syncObjectWithPeers: <T>(obj: T) => Promise.resolve(obj),
  combineDataWithPeers: <T>(data: T) => Promise.resolve([data]),
  gatherArraysToRoot: gatherAlone,
  sumValuesAndSync: sumAlone,
  // The root's subtree is everything.
  resultsFromLocalTree: (results: readonly LocalResults[]) => [...results],
};

/**
 * gatherArraysToRoot for a group of one. As WaterTAP's local managers (which copy the send
 * buffer), a spec written for several workers is accepted too: any number of sizes, so long as
 * they sum to the length sent.
 */
function gatherAlone(sendbuf: TypedArray, spec: ReceiveBufferSpec | undefined): Promise<void> {
  try {
    const sizes = spec?.sizes;
    const several = Array.isArray(sizes) && sizes.length > 1;
    if (several) {
      let total = 0;
      for (const s of sizes) total += Number.isInteger(s) && s >= 0 ? s : NaN;
      if (total !== sendbuf.length) {
        throw new RangeError(
          `Cannot gather arrays as 'recvbufSpec.sizes' must sum to the length sent by the only rank (${sendbuf.length}): current value is [${sizes}]`,
        );
      }
    }
    const checked = several
      ? checkReceiveSpec({ buffer: spec!.buffer, sizes: [sendbuf.length] }, 1, 0, sendbuf.length)
      : checkReceiveSpec(spec, 1, 0, sendbuf.length);
    copyInto(checked.buffer, sendbuf);
    return Promise.resolve();
  } catch (e) {
    return Promise.reject(e);
  }
}

/** sumValuesAndSync for a group of one: the sum is the values themselves. */
function sumAlone(sendbuf: TypedArray, recvbuf: TypedArray): Promise<void> {
  try {
    checkSumBuffers(sendbuf, recvbuf);
    copyInto(recvbuf, sendbuf);
    return Promise.resolve();
  } catch (e) {
    return Promise.reject(e);
  }
}
