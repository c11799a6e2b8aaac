// Internal: a thin binding to the system's MPI library through Deno's FFI (no C shim, no npm
// package: none binds MPI for JavaScript). The two ABIs in the wild differ in their handles:
// MPICH and its family (Intel MPI, MVAPICH, Cray MPICH) use integer constants from mpi.h; Open
// MPI's handles are the addresses of exported globals, which a `pointer` static yields. The
// world is process-wide: MPI can be initialised once per process, so every MpiManager of a
// process shares it, and it is finalised (or the job aborted) when the process ends.
// One concept, though long: the binding, with the two ABIs' constants, library discovery and
// the checks that the library matches the launcher.
import { deserialize, serialize } from "node:v8";

/** Which ABI the library has. */
export type MpiFlavor = "openmpi" | "mpich";

/** Where the library was found, and why that one. */
export interface MpiLibraryChoice {
  readonly path: string;
  readonly flavor: MpiFlavor;
  readonly reason: string;
}

const OPENMPI_SONAMES = ["libmpi.so.40", "libmpi.so"];
const MPICH_SONAMES = ["libmpich.so.12", "libmpi.so.12", "libmpich.so"];

/** The environment variable that names the library, overriding discovery. */
export const MPI_LIBRARY_ENV = "PSWEEP_MPI_LIBRARY";

function env(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    // Without --allow-env the launcher cannot be told; sonames are tried.
    return undefined;
  }
}

/** Which launcher started this process, from its environment; `undefined` outside one. */
export function launcherEnvironment(): { flavor: MpiFlavor | undefined; size: number } | undefined {
  const ompi = env("OMPI_COMM_WORLD_SIZE");
  if (ompi !== undefined) return { flavor: "openmpi", size: Number(ompi) };
  // Hydra (MPICH, Intel MPI) sets PMI_*; its own variables start with HYDI_/MPI_LOCAL.
  const pmi = env("PMI_SIZE");
  if (pmi !== undefined) return { flavor: "mpich", size: Number(pmi) };
  if (env("PMIX_RANK") !== undefined) {
    // PMIx (srun --mpi=pmix, prterun): either library; Slurm tells the size.
    const slurm = env("SLURM_NTASKS");
    return { flavor: undefined, size: slurm !== undefined ? Number(slurm) : NaN };
  }
  return undefined;
}

/** Whether this process runs under an MPI launcher (mpirun, mpiexec, srun with PMI). */
export function underMpiLauncher(): boolean {
  return launcherEnvironment() !== undefined;
}

/** This process's rank as the launcher says (without starting MPI); `undefined` outside one. */
export function launcherRank(): number | undefined {
  for (const name of ["OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK"]) {
    const value = env(name);
    if (value !== undefined) return Number(value);
  }
  return undefined;
}

/** Ranks of this job on this machine, as the launcher says; `undefined` when it does not. */
export function localRanks(): number | undefined {
  for (const name of ["OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS", "SLURM_NTASKS_PER_NODE"]) {
    const n = Number(env(name));
    if (Number.isInteger(n) && n >= 1) return n;
  }
  return undefined;
}

function flavorOf(path: string): MpiFlavor {
  // Open MPI exports its handles as globals; the MPICH family does not.
  try {
    Deno.dlopen(path, { ompi_mpi_comm_world: { type: "pointer" } }).close();
    return "openmpi";
  } catch {
    return "mpich";
  }
}

function loadable(path: string): boolean {
  try {
    Deno.dlopen(path, { MPI_Init: { parameters: ["pointer", "pointer"], result: "i32" } }).close();
    return true;
  } catch {
    return false;
  }
}

/**
 * Finds the MPI library: the explicit path, else `PSWEEP_MPI_LIBRARY`, else the sonames of the
 * launcher's family, else any known soname.
 */
export function chooseLibrary(explicit?: string, sonames?: readonly string[]): MpiLibraryChoice {
  const named = explicit ?? env(MPI_LIBRARY_ENV);
  if (named !== undefined && named !== "") {
    if (!loadable(named)) {
      throw new Error(
        `Cannot start MPI as the library ${JSON.stringify(named)} (from ${
          explicit !== undefined ? "the 'library' option" : MPI_LIBRARY_ENV
        }) cannot be loaded or exports no MPI_Init`,
      );
    }
    return {
      path: named,
      flavor: flavorOf(named),
      reason: explicit !== undefined ? "the 'library' option" : MPI_LIBRARY_ENV,
    };
  }
  const launcher = launcherEnvironment();
  const order = sonames ??
    (launcher?.flavor === "mpich"
      ? [...MPICH_SONAMES, ...OPENMPI_SONAMES]
      : [...OPENMPI_SONAMES, ...MPICH_SONAMES]);
  for (const soname of order) {
    if (loadable(soname)) {
      return {
        path: soname,
        flavor: flavorOf(soname),
        reason: launcher?.flavor ? `the ${launcher.flavor} launcher's environment` : "its soname",
      };
    }
  }
  throw new Error(
    `Cannot start MPI as no MPI library was found (tried ${
      order.join(", ")
    }): install one (Debian/Ubuntu: apt-get install openmpi-bin, or mpich), load your cluster's MPI module, or name the library with ${MPI_LIBRARY_ENV}=/path/to/libmpi.so`,
  );
}

// Handles are i32 constants (MPICH) or pointers to globals (Open MPI).
type Handle = number | Deno.PointerObject | null;

function symbols(h: "i32" | "pointer") {
  return {
    MPI_Initialized: { parameters: ["buffer"], result: "i32" },
    MPI_Finalized: { parameters: ["buffer"], result: "i32" },
    MPI_Init_thread: { parameters: ["pointer", "pointer", "i32", "buffer"], result: "i32" },
    MPI_Finalize: { parameters: [], result: "i32" },
    MPI_Abort: { parameters: [h, "i32"], result: "i32" },
    MPI_Comm_rank: { parameters: [h, "buffer"], result: "i32" },
    MPI_Comm_size: { parameters: [h, "buffer"], result: "i32" },
    MPI_Get_library_version: { parameters: ["buffer", "buffer"], result: "i32" },
    MPI_Barrier: { parameters: [h], result: "i32" },
    MPI_Bcast: { parameters: ["buffer", "i32", h, "i32", h], result: "i32" },
    MPI_Gather: {
      parameters: ["buffer", "i32", h, "buffer", "i32", h, "i32", h],
      result: "i32",
    },
    MPI_Gatherv: {
      parameters: ["buffer", "i32", h, "buffer", "buffer", "buffer", h, "i32", h],
      result: "i32",
    },
    MPI_Allgather: {
      parameters: ["buffer", "i32", h, "buffer", "i32", h, h],
      result: "i32",
    },
    MPI_Allgatherv: {
      parameters: ["buffer", "i32", h, "buffer", "buffer", "buffer", h, h],
      result: "i32",
    },
    MPI_Allreduce: { parameters: ["buffer", "buffer", "i32", h, h, h], result: "i32" },
    MPI_Send: { parameters: ["buffer", "i32", h, "i32", "i32", h], result: "i32" },
    MPI_Recv: { parameters: ["buffer", "i32", h, "i32", "i32", h, "buffer"], result: "i32" },
    MPI_Isend: {
      parameters: ["buffer", "i32", h, "i32", "i32", h, "buffer"],
      result: "i32",
    },
    MPI_Test: { parameters: ["buffer", "buffer", "buffer"], result: "i32" },
    MPI_Iprobe: { parameters: ["i32", "i32", h, "buffer", "buffer"], result: "i32" },
    MPI_Get_count: { parameters: ["buffer", h, "buffer"], result: "i32" },
  } as const;
}

const OMPI_STATICS = {
  ompi_mpi_comm_world: { type: "pointer" },
  ompi_mpi_byte: { type: "pointer" },
  ompi_mpi_int: { type: "pointer" },
  ompi_mpi_double: { type: "pointer" },
  ompi_mpi_int64_t: { type: "pointer" },
  ompi_mpi_uint64_t: { type: "pointer" },
  ompi_mpi_op_sum: { type: "pointer" },
} as const;

// From MPICH's mpi.h (the same in Intel MPI, MVAPICH and Cray MPICH).
const MPICH_HANDLES = {
  comm: 0x44000000,
  byte: 0x4c00010d,
  int: 0x4c000405,
  double: 0x4c00080b,
  int64: 0x4c00083a,
  uint64: 0x4c00083e,
  sum: 0x58000003,
};

/** Element types the reductions know. */
export type MpiNumberType = "double" | "int64" | "uint64";

const MPI_THREAD_FUNNELED = 1;
const MAX_COUNT = 2 ** 31 - 1;

type Lib = Deno.DynamicLibrary<ReturnType<typeof symbols>>["symbols"];

/** The calling process's MPI world: init once, collectives on MPI_COMM_WORLD. */
export class MpiWorld {
  readonly choice: MpiLibraryChoice;
  readonly rank: number;
  readonly size: number;
  readonly version: string;
  readonly #lib: Deno.DynamicLibrary<ReturnType<typeof symbols>>;
  readonly #f: Lib;
  readonly #comm: Handle;
  readonly #byte: Handle;
  readonly #int: Handle;
  readonly #types: Record<MpiNumberType, Handle>;
  readonly #sum: Handle;
  readonly #anySource: number;
  // MPI_Status: 24 bytes in Open MPI (source, tag first), 20 in MPICH (source, tag at 8, 12).
  readonly #status: Int32Array;
  readonly #sourceAt: number;
  readonly #tagAt: number;
  #finalized = false;
  readonly #i32 = new Int32Array(1);
  // Small arrays handed to MPI are reused: V8 keeps tiny typed arrays inside its heap and must
  // move one out on its first trip through the FFI, which costs microseconds every time a fresh
  // one is passed. Sized once the world's size is known.
  #sendInts = new Int32Array(16);
  #recvInts = new Int32Array(16);
  #counts = new Int32Array(16);
  #displs = new Int32Array(16);
  readonly #header = new Float64Array(16);
  readonly #headerBytes = new Uint8Array(this.#header.buffer);
  readonly #flag = new Int32Array(16);
  readonly #none = new Uint8Array(16);
  readonly #noInts = new Int32Array(0);
  // Sends posted and not yet completed: each request with the bytes it sends (kept alive).
  readonly #posted: { request: Uint8Array; bytes: Uint8Array }[] = [];

  constructor(choice: MpiLibraryChoice) {
    this.choice = choice;
    if (choice.flavor === "openmpi") {
      const lib = Deno.dlopen(choice.path, { ...symbols("pointer"), ...OMPI_STATICS });
      this.#lib = lib as unknown as Deno.DynamicLibrary<ReturnType<typeof symbols>>;
      const s = lib.symbols;
      this.#comm = s.ompi_mpi_comm_world;
      this.#byte = s.ompi_mpi_byte;
      this.#int = s.ompi_mpi_int;
      this.#types = {
        double: s.ompi_mpi_double,
        int64: s.ompi_mpi_int64_t,
        uint64: s.ompi_mpi_uint64_t,
      };
      this.#sum = s.ompi_mpi_op_sum;
      this.#anySource = -1;
      this.#status = new Int32Array(6);
      this.#sourceAt = 0;
      this.#tagAt = 1;
    } else {
      this.#lib = Deno.dlopen(choice.path, symbols("i32"));
      const h = MPICH_HANDLES;
      this.#comm = h.comm;
      this.#byte = h.byte;
      this.#int = h.int;
      this.#types = { double: h.double, int64: h.int64, uint64: h.uint64 };
      this.#sum = h.sum;
      this.#anySource = -2;
      this.#status = new Int32Array(5);
      this.#sourceAt = 2;
      this.#tagAt = 3;
    }
    this.#f = this.#lib.symbols;
    const flag = new Int32Array(1);
    this.#f.MPI_Initialized(flag);
    if (flag[0] === 0) {
      // Funneled: only the main thread calls MPI; the model's workers never do. Blocking calls
      // (as mpi4py makes them) need no MPI_THREAD_MULTIPLE.
      const provided = new Int32Array(1);
      this.#check(this.#f.MPI_Init_thread(null, null, MPI_THREAD_FUNNELED, provided), "MPI_Init");
    }
    this.#check(this.#f.MPI_Comm_rank(this.#comm as never, this.#i32), "MPI_Comm_rank");
    this.rank = this.#i32[0];
    this.#check(this.#f.MPI_Comm_size(this.#comm as never, this.#i32), "MPI_Comm_size");
    this.size = this.#i32[0];
    const n = Math.max(16, 2 * this.size);
    this.#recvInts = new Int32Array(n);
    this.#counts = new Int32Array(n);
    this.#displs = new Int32Array(n);
    const text = new Uint8Array(8192);
    const length = new Int32Array(1);
    this.#f.MPI_Get_library_version(text, length);
    this.version = new TextDecoder().decode(text.subarray(0, length[0])).replace(/\0/g, "")
      .split("\n")[0].trim();
  }

  #check(code: number, what: string): void {
    if (code !== 0) throw new Error(`${what} failed with MPI error code ${code}`);
  }

  get finalized(): boolean {
    return this.#finalized;
  }

  barrier(): void {
    this.#check(this.#f.MPI_Barrier(this.#comm as never), "MPI_Barrier");
  }

  /** Broadcasts the root's bytes into `bytes` on every rank (same length everywhere). */
  bcastBytes(bytes: Uint8Array, root = 0): void {
    for (let off = 0; off < bytes.length || off === 0; off += MAX_COUNT) {
      const part = bytes.subarray(off, Math.min(bytes.length, off + MAX_COUNT));
      this.#check(
        this.#f.MPI_Bcast(part, part.length, this.#byte as never, root, this.#comm as never),
        "MPI_Bcast",
      );
      if (bytes.length === 0) break;
    }
  }

  /** Broadcasts up to 16 numbers from the root: every rank gets the root's. */
  bcastNumbers(values: readonly number[], root = 0): number[] {
    const h = this.#header;
    for (let i = 0; i < values.length; i++) h[i] = values[i];
    this.bcastBytes(this.#headerBytes.subarray(0, values.length * 8), root);
    return Array.from(h.subarray(0, values.length));
  }

  /** Every rank's one int, in rank order. */
  allgatherInt(value: number): Int32Array {
    this.#sendInts[0] = value;
    this.#check(
      this.#f.MPI_Allgather(
        this.#sendInts,
        1,
        this.#int as never,
        this.#recvInts,
        1,
        this.#int as never,
        this.#comm as never,
      ),
      "MPI_Allgather",
    );
    return this.#recvInts.slice(0, this.size);
  }

  /**
   * Every rank's pair of ints, gathered to the root: `[a0, b0, a1, b1, ...]` in rank order on the
   * root (a view of a buffer the next call reuses), empty elsewhere. Nothing is allocated: this
   * runs before every gatherv, where a microsecond is a third of the call.
   */
  gatherPairs(a: number, b: number, root = 0): Int32Array {
    this.#sendInts[0] = a;
    this.#sendInts[1] = b;
    this.#check(
      this.#f.MPI_Gather(
        this.#sendInts,
        2,
        this.#int as never,
        this.#recvInts,
        2,
        this.#int as never,
        root,
        this.#comm as never,
      ),
      "MPI_Gather",
    );
    return this.rank === root ? this.#recvInts : this.#noInts;
  }

  /**
   * Gatherv to rank 0 of `send`'s bytes (any typed array, taken in place). On the root, `recv`
   * receives them, rank by rank, with rank r's count in elements of `element` bytes at
   * `counts[stride * r]`; elsewhere `recv` and `counts` are unused.
   */
  gathervBytes(
    send: ArrayBufferView,
    recv: ArrayBufferView | undefined,
    counts?: ArrayLike<number>,
    stride = 1,
    element = 1,
  ): void {
    if (counts) {
      for (let r = 0, offset = 0; r < this.size; r++) {
        const c = counts[stride * r] * element;
        this.#counts[r] = c;
        this.#displs[r] = offset;
        offset += c;
      }
    }
    this.#check(
      this.#f.MPI_Gatherv(
        send as BufferSource,
        send.byteLength,
        this.#byte as never,
        (recv ?? this.#none) as BufferSource,
        this.#counts,
        this.#displs,
        this.#byte as never,
        0,
        this.#comm as never,
      ),
      "MPI_Gatherv",
    );
  }

  /** Allgatherv of bytes: every rank gets every rank's bytes, concatenated in rank order. */
  allgathervBytes(send: Uint8Array, counts: Int32Array): Uint8Array {
    let total = 0;
    for (let r = 0; r < counts.length; r++) {
      this.#counts[r] = counts[r];
      this.#displs[r] = total;
      total += counts[r];
    }
    if (total > MAX_COUNT) {
      throw new RangeError(
        `Cannot exchange ${total} bytes between ranks in one call: MPI counts stop at ${MAX_COUNT}`,
      );
    }
    const recv = new Uint8Array(total);
    this.#check(
      this.#f.MPI_Allgatherv(
        send,
        send.length,
        this.#byte as never,
        recv,
        this.#counts,
        this.#displs,
        this.#byte as never,
        this.#comm as never,
      ),
      "MPI_Allgatherv",
    );
    return recv;
  }

  /** Allreduce-sum of `count` numbers of `type`. */
  allreduceSum(
    send: ArrayBufferView,
    recv: ArrayBufferView,
    count: number,
    type: MpiNumberType,
  ): void {
    if (count > MAX_COUNT) {
      throw new RangeError(
        `Cannot sum ${count} values in one call: MPI counts stop at ${MAX_COUNT}`,
      );
    }
    this.#check(
      this.#f.MPI_Allreduce(
        send as BufferSource,
        recv as BufferSource,
        count,
        this.#types[type] as never,
        this.#sum as never,
        this.#comm as never,
      ),
      "MPI_Allreduce",
    );
  }

  /** Sends bytes to `dest` with `tag` (blocking until MPI holds them). */
  send(bytes: Uint8Array, dest: number, tag: number): void {
    if (bytes.length > MAX_COUNT) {
      throw new RangeError(
        `Cannot send ${bytes.length} bytes to rank ${dest} in one message: MPI counts stop at ${MAX_COUNT}`,
      );
    }
    this.#check(
      this.#f.MPI_Send(bytes, bytes.length, this.#byte as never, dest, tag, this.#comm as never),
      "MPI_Send",
    );
  }

  /**
   * Sends bytes to `dest` with `tag` without waiting for MPI to take them (`MPI_Isend`): the
   * bytes are kept until the send completes. A blocking `MPI_Send` of a few hundred bytes from
   * a rank's main thread took 1 to 8 ms under Open MPI's shared-memory transport (until the root
   * next looked for messages), during which that rank's pool could not hand out its next chunk:
   * Open MPI's 2 ranks ran at 0.76x a local pool's throughput. Messages from one rank to another
   * with one tag still arrive in the order they were posted (MPI's non-overtaking rule).
   */
  post(bytes: Uint8Array, dest: number, tag: number): void {
    if (bytes.length > MAX_COUNT) {
      throw new RangeError(
        `Cannot send ${bytes.length} bytes to rank ${dest} in one message: MPI counts stop at ${MAX_COUNT}`,
      );
    }
    // MPI_Request: a pointer in Open MPI, an int in MPICH; 8 bytes hold either.
    const request = new Uint8Array(8);
    this.#check(
      this.#f.MPI_Isend(
        bytes,
        bytes.length,
        this.#byte as never,
        dest,
        tag,
        this.#comm as never,
        request,
      ),
      "MPI_Isend",
    );
    this.#posted.push({ request, bytes });
    this.progressPosted();
  }

  /** Lets posted sends go on; returns how many have not completed. */
  progressPosted(): number {
    const posted = this.#posted;
    let kept = 0;
    for (let i = 0; i < posted.length; i++) {
      const p = posted[i];
      this.#check(this.#f.MPI_Test(p.request, this.#flag, this.#status), "MPI_Test");
      if (this.#flag[0] === 0) posted[kept++] = p;
    }
    posted.length = kept;
    return kept;
  }

  /**
   * Receives one waiting message with `tag` from any rank, without blocking: `undefined` when
   * none is waiting.
   */
  tryReceive(tag: number): { source: number; bytes: Uint8Array } | undefined {
    const flag = this.#flag;
    this.#check(
      this.#f.MPI_Iprobe(this.#anySource, tag, this.#comm as never, flag, this.#status),
      "MPI_Iprobe",
    );
    if (flag[0] === 0) return undefined;
    const source = this.#status[this.#sourceAt];
    const count = this.#i32;
    this.#check(this.#f.MPI_Get_count(this.#status, this.#byte as never, count), "MPI_Get_count");
    const bytes = new Uint8Array(count[0]);
    this.#check(
      this.#f.MPI_Recv(
        bytes,
        bytes.length,
        this.#byte as never,
        source,
        this.#status[this.#tagAt],
        this.#comm as never,
        this.#status,
      ),
      "MPI_Recv",
    );
    return { source, bytes };
  }

  /**
   * Broadcast of a value as bytes: every rank gets the root's. A root value that cannot be
   * serialised fails every rank (the length sent says so), so that none is left waiting.
   */
  bcastObject<T>(value: T, what: string): T {
    let bytes: Uint8Array | undefined;
    let failure: unknown;
    let length = 0;
    if (this.rank === 0) {
      try {
        bytes = toBytes(value);
        length = bytes.length;
      } catch (e) {
        failure = e;
        length = -1;
      }
    }
    [length] = this.bcastNumbers([length]);
    if (length < 0) {
      if (failure !== undefined) throw failure;
      throw new TypeError(`Cannot ${what} as the root's value cannot be sent between ranks`);
    }
    bytes ??= new Uint8Array(length);
    this.bcastBytes(bytes);
    return this.rank === 0 ? value : fromBytes(bytes) as T;
  }

  /** Allgather of values as bytes, in rank order; a value that cannot be sent fails every rank. */
  allgatherObjects<T>(value: T, what: string): T[] {
    let bytes: Uint8Array;
    let failure: unknown;
    try {
      bytes = toBytes(value);
    } catch (e) {
      failure = e;
      bytes = new Uint8Array(0);
    }
    const counts = this.allgatherInt(failure === undefined ? bytes.length : -1);
    const bad = [...counts.keys()].filter((r) => counts[r] < 0);
    if (bad.length > 0) {
      if (failure !== undefined) throw failure;
      throw new TypeError(
        `Cannot ${what} as the value of rank ${bad.join(", ")} cannot be sent between ranks`,
      );
    }
    const all = this.allgathervBytes(bytes, counts);
    const out: T[] = [];
    for (let r = 0, off = 0; r < this.size; off += counts[r], r++) {
      out.push(r === this.rank ? value : fromBytes(all.subarray(off, off + counts[r])) as T);
    }
    return out;
  }

  finalize(): void {
    if (this.#finalized) return;
    this.#finalized = true;
    this.#f.MPI_Finalize();
  }

  /** Ends every rank of the job with `code`; does not return. */
  abort(code: number): never {
    this.#f.MPI_Abort(this.#comm as never, code);
    // MPI_Abort should not return; if it does, the process still ends.
    Deno.exit(code);
  }
}

let world: MpiWorld | undefined;
let openManagers = 0;

/**
 * The process's MPI world, initialised on first use. Also installs the handlers that end the
 * job when this rank fails: without them a rank that exits early can leave the others waiting,
 * or let `mpirun.mpich` return 0.
 */
export function mpiWorld(library?: string): MpiWorld {
  if (world) {
    if (library !== undefined && library !== world.choice.path) {
      throw new Error(
        `Cannot use MPI library ${JSON.stringify(library)} as this process already initialised ${
          JSON.stringify(world.choice.path)
        }`,
      );
    }
    return world;
  }
  const choice = chooseLibrary(library);
  const w = new MpiWorld(choice);
  world = w;
  installHandlers(w);
  const launcher = launcherEnvironment();
  if (launcher && Number.isInteger(launcher.size) && launcher.size !== w.size) {
    // Every process of such a job is a world of one: each one stops on its own.
    w.finalize();
    throw new Error(
      `Cannot start MPI as the launcher started ${launcher.size} ranks but ${choice.path} (${w.version}, found by ${choice.reason}) sees a world of ${w.size}: the library does not match the launcher (use the mpirun of the same MPI, or set ${MPI_LIBRARY_ENV})`,
    );
  }
  return w;
}

function label(w: MpiWorld): string {
  return `psweep: MPI rank ${w.rank} of ${w.size}`;
}

function installHandlers(w: MpiWorld): void {
  const fail = (what: string, error: unknown) => {
    if (w.finalized) return;
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    console.error(`${label(w)} failed (${what}), ending the job: ${text}`);
    w.abort(1);
  };
  globalThis.addEventListener("error", (e) => fail("uncaught error", e.error ?? e.message));
  globalThis.addEventListener("unhandledrejection", (e) => fail("unhandled rejection", e.reason));
  globalThis.addEventListener("unload", () => {
    if (w.finalized) return;
    const code = Deno.exitCode;
    if (code !== 0 || openManagers > 0) {
      console.error(
        `${label(w)} is exiting with code ${code}${
          openManagers > 0 ? " before closing its MpiManager" : ""
        }, ending the job`,
      );
      w.abort(code !== 0 ? code : 1);
    }
    w.finalize();
  });
}

/**
 * The world's root test and object broadcast, for what a sweep agrees on before it makes its
 * manager (the seed).
 */
export function worldPeers(): {
  isRootProcess(): boolean;
  syncObjectWithPeers<T>(obj: T): Promise<T>;
} {
  const w = mpiWorld();
  return {
    isRootProcess: () => w.rank === 0,
    syncObjectWithPeers: <T>(obj: T) => Promise.resolve(w.bcastObject(obj, "sync object")),
  };
}

/** Counts managers in use: a rank that exits while one is open ends the job. */
export function managerOpened(): void {
  openManagers++;
}
/** See {@linkcode managerOpened}. */
export function managerClosed(): void {
  openManagers--;
}

/** Values as bytes that keep NaN, -0, typed arrays and BigInt (V8's structured clone format). */
export function toBytes(value: unknown): Uint8Array {
  return serialize(value);
}
/** See {@linkcode toBytes}. */
export function fromBytes(bytes: Uint8Array): unknown {
  return deserialize(bytes);
}
