// Internal: the model module that stands for a command model. The sweep driver imports it like
// any model module (so every manager runs command models unchanged: the pool, Redis daemons, MPI
// ranks), and its build/evaluate/probe/initialize talk to one long-lived process per thread.
import type { Outputs, Point } from "../sweep/model.ts";
import type { Matrix } from "../parallel/matrix.ts";
import { buildSweep, type ChunkOutput, executeSweep } from "../sweep/_driver.ts";
import { buildLine, formatNumber, parseOutputs, pointLine, type Reply } from "./_protocol.ts";
import { CommandProcess, ProcessEndedError } from "./_process.ts";

/** What the sweep passes as build options of a command model (see command_model.ts). */
export interface CommandBuildOptions {
  command: string[];
  /** The sweep's own buildOptions, sent to the command as JSON. */
  options: Record<string, unknown>;
  /** Parameter names, in the order point values are sent. */
  params: string[];
  /** Milliseconds per request about a point; the process is killed past it. */
  timeout?: number;
  /** Milliseconds to start and build. */
  buildTimeout?: number;
}

/** The model state: the process and what it was built with. */
export interface CommandState {
  config: CommandBuildOptions;
  process: CommandProcess;
}

// This thread's process, kept across rebuilds (a rebuild sends `build` again, as WaterTAP
// rebuilds its model in place) and across sweeps of the same command.
let live: CommandProcess | undefined;
let liveKey = "";

/**
 * The chunk this thread is evaluating, so that each point can be sent before the driver asks for
 * it: the model then goes from one point to the next without waiting for this thread (about a
 * pipe round trip a point, more on a busy machine). Column 0 is the row index.
 */
let upcoming: { chunk: Matrix; cursor: number } | undefined;

/**
 * Points are sent ahead only while they take less than this (ms): the round trip matters only
 * for short points, and a point sent ahead of one that fails is evaluated, then dropped, then
 * evaluated again after the rebuild: cheap for short points, not for long ones.
 */
const AHEAD_BELOW_MS = 50;

// How long the last point took, from its request (or the reply before it) to its reply.
let lastPointMs = Infinity;
let lastReplyAt = 0;

/**
 * The sweep's build function for command models: the driver's, with this module, as found on the
 * machine that runs it, as the model (a Redis daemon's copy of psweep may sit at another path
 * than the root's).
 */
export function buildCommandSweep(kwargs: Record<string, unknown>): ReturnType<typeof buildSweep> {
  return buildSweep({ ...kwargs, model: import.meta.url });
}

/**
 * The sweep's per-chunk function for command models: the driver's own, with the chunk known
 * in advance (see `upcoming`).
 */
export async function executeCommandSweep(chunk: Matrix, ctx: unknown): Promise<ChunkOutput> {
  upcoming = { chunk, cursor: 0 };
  try {
    return await executeSweep(chunk, ctx as Parameters<typeof executeSweep>[1]);
  } finally {
    upcoming = undefined;
  }
}

/** Starts the command if needed, then builds the model in it. */
export async function build(options?: Record<string, unknown>): Promise<CommandState> {
  const config = options as unknown as CommandBuildOptions;
  // A point sent ahead is not to run on the model about to be rebuilt: its reply is dropped.
  await live?.discardAhead(config.timeout);
  const key = JSON.stringify(config.command);
  if (!live || !live.alive || liveKey !== key) {
    const old = live;
    live = undefined;
    await old?.close();
    live = await CommandProcess.start(config.command, config.buildTimeout);
    liveKey = key;
  }
  const process = live;
  await buildIn(process, config);
  return { config, process };
}

async function buildIn(process: CommandProcess, config: CommandBuildOptions): Promise<void> {
  let reply: Reply;
  try {
    reply = await process.request(
      buildLine(config.params, config.options),
      config.buildTimeout,
      "the build",
    );
  } catch (error) {
    await process.close();
    throw error;
  }
  if (!reply.ok) throw modelError(reply);
}

/** Evaluates a point; a process that ended since is started and built again first. */
export async function evaluate(state: CommandState, point: Point): Promise<Outputs> {
  const { config } = state;
  let process = state.process;
  let start: number;
  if (process.ahead !== undefined && sameValues(process.ahead, point, config.params)) {
    // Sent ahead: its reply is the next line, or, if the process has ended since, the end is
    // this point's doing (it may have died on it before the driver asked): it fails, once.
    process.ahead = undefined;
    start = lastReplyAt;
  } else {
    if (!process.alive) {
      await revive(state, point);
      process = state.process;
    }
    await process.discardAhead(config.timeout);
    if (!process.alive) {
      await revive(state, point);
      process = state.process;
    }
    process.send(pointLine("evaluate", point, config.params));
    start = performance.now();
  }
  if (lastPointMs < AHEAD_BELOW_MS) sendAhead(process, point, config.params);
  let reply: Reply;
  try {
    reply = await process.receive(config.timeout, "evaluate");
  } finally {
    lastReplyAt = performance.now();
    lastPointMs = lastReplyAt - start;
  }
  if (!reply.ok) throw modelError(reply);
  const out: Outputs = {};
  const why = parseOutputs(reply.rest, out);
  if (why !== undefined) throw new TypeError(`The model's reply is not outputs: ${why}`);
  return out;
}

/** The model's probe, when it offers one; otherwise every point is accepted without asking. */
export function probe(state: CommandState, point: Point): boolean | Promise<boolean> {
  if (!state.process.greeting.probe) return true;
  return (async () => {
    await revive(state, point);
    const reply = await state.process.request(
      pointLine("probe", point, state.config.params),
      state.config.timeout,
      "probe",
    );
    if (!reply.ok) throw modelError(reply);
    const answer = reply.rest.trim();
    if (answer !== "0" && answer !== "1") {
      throw new TypeError(
        `The model's probe reply must be "ok 1" or "ok 0": it was "ok ${answer}"`,
      );
    }
    return answer === "1";
  })();
}

/** The model's initialize, when it offers one. */
export function initialize(state: CommandState, point: Point): void | Promise<void> {
  if (!state.process.greeting.initialize) return;
  return (async () => {
    await revive(state, point);
    await initializeIn(state, point);
  })();
}

async function initializeIn(state: CommandState, point: Point): Promise<void> {
  const reply = await state.process.request(
    pointLine("initialize", point, state.config.params),
    state.config.timeout,
    "initialize",
  );
  if (!reply.ok) throw modelError(reply);
}

// Sends the point that follows `point` in the chunk, when the model has neither probe nor
// initialize (which would have to come between the two).
function sendAhead(process: CommandProcess, point: Point, params: string[]): void {
  const next = upcoming;
  if (!next || !process.alive || process.greeting.probe || process.greeting.initialize) return;
  const { data, rows, columns } = next.chunk;
  // The driver evaluates the chunk's rows in order, but may skip some (a failed rebuild).
  let r = next.cursor;
  while (r < rows && !rowIs(data, r * columns + 1, point, params)) r++;
  if (r >= rows) return;
  next.cursor = r + 1;
  if (r + 1 >= rows) return;
  const values: number[] = [];
  for (let c = 0; c < params.length; c++) values.push(data[(r + 1) * columns + 1 + c]);
  let line = "evaluate";
  for (const v of values) line += " " + formatNumber(v);
  process.send(line + "\n");
  process.ahead = values;
}

function rowIs(data: Float64Array, offset: number, point: Point, params: string[]): boolean {
  for (let c = 0; c < params.length; c++) {
    if (!Object.is(data[offset + c], point[params[c]])) return false;
  }
  return true;
}

function sameValues(values: number[], point: Point, params: string[]): boolean {
  for (let c = 0; c < params.length; c++) {
    if (!Object.is(values[c], point[params[c]])) return false;
  }
  return true;
}

// A process that ended (it crashed on an earlier point, or was killed past the timeout) and was
// not rebuilt by the driver (rebuildOnFailure: false) is started, built and initialized again.
async function revive(state: CommandState, point: Point): Promise<void> {
  if (state.process.alive) return;
  try {
    const fresh = await build(state.config as unknown as Record<string, unknown>);
    state.process = fresh.process;
    if (state.process.greeting.initialize) await initializeIn(state, point);
  } catch (error) {
    throw new ProcessEndedError(
      `The model process had ended and could not be started again: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

// The model's own failure: its exception type as the name, its message, then its traceback.
function modelError(reply: Reply & { ok: false }): Error {
  const trace = reply.traceback.trim();
  const error = new Error(trace ? `${reply.message}\n${trace}` : reply.message);
  error.name = reply.type;
  error.stack = `${reply.type}: ${reply.message}${trace ? `\n${trace}` : ""}`;
  return error;
}

/** Ends this thread's process (tests, and a serial sweep's owner, call it when done). */
export async function closeCommandProcesses(): Promise<void> {
  const old = live;
  live = undefined;
  await old?.close();
}
