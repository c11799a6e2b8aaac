// Internal: the ParallelManager a peer-group entry receives inside a worker. Every collective
// goes over MessageChannel ports in a star around rank 0: peers send to the root, the root
// answers. All ranks call collectives in the same order (SPMD), so FIFO ports match steps up.
import { abortFailure, buildFailure, toErrorInfo } from "./_errors.ts";
import { checkReceiveSpec, checkSumBuffers, copyInto } from "./_collective_checks.ts";
import type { PeerStep } from "./_protocol.ts";
import { ParallelActor } from "./build_and_execute.ts";
import { type ParameterRows, sliceRows, splitSizes, toMatrix, type TypedArray } from "./matrix.ts";
import {
  type BuildFunction,
  type Callable,
  type ExecuteFunction,
  LocalResults,
  type ParallelManager,
  type ReceiveBufferSpec,
  ROOT_PROCESS_RANK,
  type ScatterOptions,
} from "./parallel_manager.ts";

/**
 * A FIFO of messages from one port. Several collectives may be in flight at once (started
 * without awaiting the one before): each takes the messages in the order it asked for them.
 */
class Inbox {
  #queue: PeerStep[] = [];
  #waiting: ((step: PeerStep) => void)[] = [];
  constructor(port: MessagePort) {
    port.onmessage = (e: MessageEvent<PeerStep>) => {
      const waiting = this.#waiting.shift();
      if (waiting) waiting(e.data);
      else this.#queue.push(e.data);
    };
  }
  next(): Promise<PeerStep> {
    const head = this.#queue.shift();
    if (head) return Promise.resolve(head);
    return new Promise((resolve) => this.#waiting.push(resolve));
  }
}

/** The manager of one rank in a peer group. */
export class PeerGroupManager implements ParallelManager {
  readonly #rank: number;
  readonly #size: number;
  readonly #ports: MessagePort[];
  readonly #inboxes: Inbox[];
  #seq = 0;
  #results: LocalResults[] = [];
  #callbackError: { error: unknown } | undefined;

  constructor(rank: number, size: number, ports: MessagePort[]) {
    this.#rank = rank;
    this.#size = size;
    this.#ports = ports;
    this.#inboxes = ports.map((p) => new Inbox(p));
  }

  isRootProcess(): boolean {
    return this.#rank === ROOT_PROCESS_RANK;
  }
  getRank(): number {
    return this.#rank;
  }
  numberOfWorkerProcesses(): number {
    return this.#size;
  }

  /** Closes this rank's ports once the entry has finished. */
  close(): void {
    for (const p of this.#ports) p.close();
  }

  // One collective step: every non-root rank sends `value` to the root; the root computes the
  // reply for each rank from all values (in rank order) and sends it back.
  async #exchange<T, R>(op: string, value: T, reply: (all: T[]) => R[]): Promise<R> {
    const seq = this.#seq++;
    if (this.#size === 1) return reply([value])[0];
    if (this.#rank !== ROOT_PROCESS_RANK) {
      this.#ports[0].postMessage({ seq, op, value } satisfies PeerStep);
      const step = await this.#inboxes[0].next();
      this.#checkStep(step, seq, op);
      if (step.op === "error") throw new RangeError(step.value as string);
      return step.value as R;
    }
    const all: T[] = [value];
    for (const inbox of this.#inboxes) {
      const step = await inbox.next();
      this.#checkStep(step, seq, op);
      all.push(step.value as T);
    }
    let replies: R[];
    try {
      replies = reply(all);
    } catch (e) {
      // Tell every peer the step failed so that none waits forever, then fail here too.
      for (const port of this.#ports) {
        port.postMessage({ seq, op: "error", value: (e as Error).message } satisfies PeerStep);
      }
      throw e;
    }
    this.#ports.forEach((port, i) => port.postMessage({ seq, op, value: replies[i + 1] }));
    return replies[0];
  }

  #checkStep(step: PeerStep, seq: number, op: string): void {
    if (step.seq !== seq || (step.op !== op && step.op !== "error")) {
      throw new Error(
        `Cannot complete collective '${op}' as peers called collectives in a different order: rank ${this.#rank} expected step ${seq} '${op}', received step ${step.seq} '${step.op}'`,
      );
    }
  }

  async syncWithPeers(): Promise<void> {
    await this.#exchange("barrier", null, (all) => all.map(() => null));
  }

  async syncArrayWithPeers(data: TypedArray): Promise<void> {
    const root = this.#rank === ROOT_PROCESS_RANK ? data.slice() : null;
    const value = await this.#exchange("bcastArray", root, (all) => all.map(() => all[0]));
    if (this.#rank !== ROOT_PROCESS_RANK) {
      if ((value as TypedArray).length !== data.length) {
        throw new RangeError(
          `Cannot sync array as 'data' must have the root's length (${
            (value as TypedArray).length
          }): current length is ${data.length}`,
        );
      }
      copyInto(data, value as TypedArray);
    }
  }

  syncObjectWithPeers<T>(obj: T): Promise<T> {
    const mine = this.#rank === ROOT_PROCESS_RANK ? obj : null;
    return this.#exchange("bcastObject", mine, (all) => all.map(() => all[0])) as Promise<T>;
  }

  combineDataWithPeers<T>(data: T): Promise<T[]> {
    return this.#exchange("allgather", data, (all) => all.map(() => all));
  }

  async gatherArraysToRoot(sendbuf: TypedArray, recvbufSpec?: ReceiveBufferSpec): Promise<void> {
    await this.#exchange("gatherv", sendbuf, (all) => {
      // Checked on the root within the step, so that a bad spec fails every rank and leaves
      // none a step behind.
      const spec = checkReceiveSpec(recvbufSpec, this.#size, 0, sendbuf.length);
      let offset = 0;
      all.forEach((arr, r) => {
        if (arr.length !== spec!.sizes[r]) {
          throw new RangeError(
            `Cannot gather arrays as 'recvbufSpec.sizes[${r}]' must equal the length sent by rank ${r} (${arr.length}): current value is ${
              spec!.sizes[r]
            }`,
          );
        }
        copyInto(spec!.buffer, arr, offset);
        offset += arr.length;
      });
      return all.map(() => null);
    });
  }

  async sumValuesAndSync(sendbuf: TypedArray, recvbuf: TypedArray): Promise<void> {
    checkSumBuffers(sendbuf, recvbuf);
    const sum = await this.#exchange("allreduce", sendbuf, (all) => {
      // 64-bit integers add up as BigInt; everything else as doubles.
      const big = sendbuf instanceof BigInt64Array || sendbuf instanceof BigUint64Array;
      const total = big
        ? new (sendbuf.constructor as BigInt64ArrayConstructor)(sendbuf.length)
        : new Float64Array(sendbuf.length);
      for (const arr of all) {
        if (arr.length !== total.length) {
          throw new RangeError(
            `Cannot sum values as every peer must send ${total.length} values: a peer sent ${arr.length}`,
          );
        }
        if (big) {
          const t = total as BigInt64Array;
          for (let i = 0; i < arr.length; i++) t[i] += BigInt(arr[i]);
        } else {
          const t = total as Float64Array;
          for (let i = 0; i < arr.length; i++) t[i] += Number(arr[i]);
        }
      }
      return all.map(() => total);
    });
    copyInto(recvbuf, sum as TypedArray);
  }

  async scatter(
    doBuild: Callable<BuildFunction>,
    doBuildKwargs: Record<string, unknown>,
    doExecute: Callable<ExecuteFunction>,
    allParameters: ParameterRows,
    options: ScatterOptions = {},
  ): Promise<void> {
    const all = toMatrix(allParameters);
    const sizes = splitSizes(all.rows, this.#size);
    const start = sizes.slice(0, this.#rank).reduce((a, b) => a + b, 0);
    const mine = sliceRows(all, start, start + sizes[this.#rank]);
    // Failures are named as every manager names them: an abort, a build, or the rows' own error.
    let result: LocalResults;
    if (options.signal?.aborted) {
      result = new LocalResults(this.#rank, mine, undefined, abortFailure(options.signal.reason));
    } else {
      const actor = new ParallelActor(doBuild, doBuildKwargs, doExecute);
      try {
        await actor.buildModel();
        try {
          result = new LocalResults(this.#rank, mine, await actor.execute(mine));
        } catch (e) {
          result = new LocalResults(this.#rank, mine, undefined, toErrorInfo(e));
        }
      } catch (e) {
        result = new LocalResults(this.#rank, mine, undefined, buildFailure(e));
      }
    }
    // gather sends this rank's result to the others later: the callback gets its own copy, so
    // that whatever it does with it (a sweep releases what it has stored) cannot change that.
    this.#callbackError = undefined;
    if (options.onResult) {
      try {
        await options.onResult(
          new LocalResults(
            result.processNumber,
            result.parameters,
            structuredClone(result.results),
            result.error,
          ),
        );
      } catch (error) {
        // Thrown by gather, after the exchange the other ranks wait for.
        this.#callbackError = { error };
      }
    }
    this.#results = [result];
  }

  async gather(): Promise<LocalResults[]> {
    const mine = this.#results[0];
    // Every rank is in the same case (SPMD), so all of them throw here and none waits.
    if (mine === undefined) throw new Error("Cannot gather as nothing was scattered");
    this.#results = [];
    const all = await this.combineDataWithPeers({
      processNumber: mine.processNumber,
      // A view would clone its whole underlying buffer: send only this rank's rows.
      parameters: { ...mine.parameters, data: mine.parameters.data.slice() },
      results: mine.results,
      error: mine.error,
    });
    const failed = this.#callbackError;
    this.#callbackError = undefined;
    if (failed) throw failed.error;
    return all.map((r) => new LocalResults(r.processNumber, r.parameters, r.results, r.error));
  }

  resultsFromLocalTree(results: readonly LocalResults[]): LocalResults[] {
    return [...results];
  }
}
