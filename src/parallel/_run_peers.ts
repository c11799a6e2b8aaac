// Internal: the root side of a peer group (DenoWorkerManager.runPeers). Every worker of the pool
// runs one entry at once, as one rank, wired to rank 0 by its own MessageChannel (a star, as the
// collectives of _peer_group.ts, the worker side, expect). A rank that fails or dies ends the
// whole group, since the others would wait for it in a collective forever.
import { RemoteError, toErrorInfo } from "./_errors.ts";
import type { FromWorker, WireFunction } from "./_protocol.ts";
import type { WorkerSlot, WorkerSlots } from "./_worker_slots.ts";
import type { ErrorInfo } from "./parallel_manager.ts";

/** What a slot holds while it runs a rank of a peer group. */
export interface PeerSlot extends WorkerSlot {
  /** Hears the rank's result. */
  onPeerDone?: (m: FromWorker & { type: "peerDone" }) => void;
  /** Hears that the rank's worker died or was ended. */
  onDeath?: (reason: ErrorInfo) => void;
}

/**
 * Runs `entry(peers, ...args)` on every slot of `slots`, rank by slot order; resolves with every
 * rank's return value, in rank order. The slots must be started and run nothing else.
 */
export async function runPeerGroup<T>(
  slots: WorkerSlots<PeerSlot>,
  entry: WireFunction,
  args: readonly unknown[],
  signal: AbortSignal | undefined,
): Promise<T[]> {
  const group = slots.all;
  const size = group.length;
  const results: T[] = new Array(size);
  let remaining = size;
  const finished = Promise.withResolvers<T[]>();
  const fail = (reason: ErrorInfo) => {
    // A rank that failed leaves the others waiting in a collective: end the whole group.
    for (const s of group) slots.replace(s);
    finished.reject(new RemoteError(reason));
  };
  const onAbort = () => fail(toErrorInfo(signal!.reason));
  signal?.addEventListener("abort", onAbort, { once: true });
  const channels = Array.from({ length: size - 1 }, () => new MessageChannel());
  group.forEach((slot, rank) => {
    slot.onPeerDone = (m) => {
      slot.onPeerDone = undefined;
      slot.onDeath = undefined;
      if (m.error) return fail(m.error);
      results[rank] = m.result as T;
      if (--remaining === 0) finished.resolve(results);
    };
    slot.onDeath = (reason) => fail(reason);
    const ports = rank === 0 ? channels.map((c) => c.port1) : [channels[rank - 1].port2];
    slots.post(slot, { type: "peer", rank, size, ports, entry, args: [...args] }, ports);
  });
  try {
    return await finished.promise;
  } finally {
    signal?.removeEventListener("abort", onAbort);
    for (const s of group) {
      s.onPeerDone = undefined;
      s.onDeath = undefined;
    }
  }
}
