// Internal: one running model command, spoken to over its stdin and stdout (see _protocol.ts).
// Requests go one at a time; each may carry a time limit, past which the process is killed
// (unlike a Web Worker in a CPU loop, a process can always be stopped).
import { COMMAND_DEFAULTS } from "../_defaults.ts";
import {
  type Greeting,
  parseGreeting,
  parseReply,
  PROTOCOL_VERSION,
  type Reply,
} from "./_protocol.ts";

/** How much of the model's stderr is kept for messages. */
const STDERR_TAIL = 4000;

const encoder = new TextEncoder();

// Only this thread's event loop can be held open by an idle process: a worker's ends with the
// pool, which kills the process with it. Toggling ref/unref costs about 40 µs a request, so it is
// done only where needed.
const WORKER_SCOPE = (globalThis as { WorkerGlobalScope?: new () => unknown }).WorkerGlobalScope;
const ON_MAIN_THREAD = !(WORKER_SCOPE && globalThis instanceof WORKER_SCOPE);

/** The command could not be started, or did not greet, or could not be built. */
export class CommandStartError extends Error {
  override name = "CommandStartError";
}

/** The process ended (or was killed) while a request was in flight. */
export class ProcessEndedError extends Error {
  override name = "ProcessEndedError";
}

/** A request ran past its time limit; the process was killed. */
export class CommandTimeoutError extends Error {
  override name = "TimeoutError";
}

/** The command's words, as a shell would show them. */
export function commandText(command: readonly string[]): string {
  return command.map((w) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replaceAll("'", `'\\''`)}'`))
    .join(" ");
}

export class CommandProcess {
  readonly label: string;
  greeting: Greeting = { version: PROTOCOL_VERSION, probe: false, initialize: false };
  #child: Deno.ChildProcess;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #lines: LineReader;
  #stderr = "";
  #stderrDone: Promise<void>;
  #status: Promise<Deno.CommandStatus>;
  #exited: Deno.CommandStatus | undefined;
  #killed = false;
  #inFlight = 0;

  private constructor(readonly command: readonly string[]) {
    this.label = commandText(command);
    const [program, ...args] = command;
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(program, {
        args,
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
    } catch (error) {
      const e = error as Error;
      throw new CommandStartError(
        `Cannot start the model command ${this.label}: ${e.name}: ${e.message}`,
        { cause: error },
      );
    }
    this.#child = child;
    this.#writer = this.#child.stdin.getWriter();
    this.#lines = new LineReader(this.#child.stdout);
    const decoder = new TextDecoder();
    this.#stderrDone = (async () => {
      try {
        for await (const bytes of child.stderr) {
          this.#keep(decoder.decode(bytes, { stream: true }));
        }
      } catch {
        // killed: what was read is kept
      }
    })();
    this.#status = this.#child.status.then((status) => (this.#exited = status));
    // Idle, the process must not keep the main thread's event loop alive (the serial manager
    // runs there); a request refs it again while it waits for the reply.
    this.#unref();
  }

  /** Starts the command and reads its greeting; `limit` (ms) bounds the wait. */
  static async start(command: readonly string[], limit?: number): Promise<CommandProcess> {
    const p = new CommandProcess(command);
    try {
      await p.#withLimit(p.#greet(), limit, () =>
        new CommandStartError(
          `The model command ${p.label} did not greet within ${limit} ms (psweep waits for the line "psweep-model ${PROTOCOL_VERSION}")${p.#tail()}`,
        ));
    } catch (error) {
      await p.close();
      throw error;
    }
    return p;
  }

  #ref(): void {
    if (ON_MAIN_THREAD) this.#child.ref();
  }

  #unref(): void {
    if (ON_MAIN_THREAD) this.#child.unref();
  }

  async #greet(): Promise<void> {
    this.#ref();
    try {
      // The last few lines printed before the greeting, cut short, for a message.
      const chatter: string[] = [];
      for (;;) {
        let line: string | null;
        try {
          line = await this.#lines.next();
        } catch (error) {
          if (!(error instanceof LineTooLongError)) throw error;
          this.kill();
          throw new CommandStartError(
            `The model command ${this.label} wrote ${error.message} before it greeted psweep${this.#tail()}`,
          );
        }
        if (line === null) {
          const status = await this.#status;
          throw new CommandStartError(
            `The model command ${this.label} ${exitText(status)} before it greeted psweep ` +
              `(a Python model must call psweep_model.serve)${
                chatter.length ? `; it printed: ${chatter.join(" | ")}` : ""
              }${this.#tail()}`,
          );
        }
        const greeting = parseGreeting(line);
        if (!greeting) {
          // What a program prints before it starts serving (import-time prints) is not a reply.
          chatter.push(line.length > 200 ? `${line.slice(0, 200)}...` : line);
          if (chatter.length > COMMAND_DEFAULTS.chatterLines) chatter.shift();
          continue;
        }
        if (greeting.version !== PROTOCOL_VERSION) {
          throw new CommandStartError(
            `The model command ${this.label} speaks psweep's model protocol version ${
              line.split(" ")[1]
            }, not ${PROTOCOL_VERSION}: update its psweep_model.py (psweep init --python writes the current one)`,
          );
        }
        this.greeting = greeting;
        return;
      }
    } finally {
      this.#unref();
    }
  }

  /** Whether the process can take requests. */
  get alive(): boolean {
    return !this.#killed && this.#exited === undefined;
  }

  /** Requests sent whose replies have not been received yet. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /**
   * A point sent ahead of the driver's request for it (its values, in parameter order), so that
   * the model never waits for this thread between points; undefined when none is.
   */
  ahead: number[] | undefined;

  /** Sends one request line and receives its reply (see {@linkcode receive}). */
  request(line: string, limit: number | undefined, what: string): Promise<Reply> {
    if (this.#inFlight > 0) {
      throw new Error(`The model process ${this.label} got a request while replies were due`);
    }
    this.send(line);
    return this.receive(limit, what);
  }

  /** Sends one request line; its reply comes after those of the requests sent before it. */
  send(line: string): void {
    if (!this.alive) throw new ProcessEndedError(`The model process ${this.label} is not running`);
    this.#inFlight++;
    this.#ref();
    // Not awaited: the reply (or the end of stdout) says what became of the write.
    this.#writer.write(encoder.encode(line)).catch(() => {});
  }

  /**
   * Resolves with the next reply; throws when the process ends or runs past `limit` ms (then it
   * is killed). `what` names the request in messages.
   */
  async receive(limit: number | undefined, what: string): Promise<Reply> {
    if (this.#inFlight === 0) throw new Error(`No reply is due from ${this.label}`);
    try {
      let text: string | null;
      try {
        text = await this.#withLimit(this.#lines.next(), limit, () =>
          new CommandTimeoutError(
            `${what} ran past the ${limit} ms timeout: psweep killed the model process ${this.label}, and starts it again for the next point`,
          ));
      } catch (error) {
        if (error instanceof CommandTimeoutError) throw error;
        if (error instanceof LineTooLongError) {
          // The rest of the line would be read as replies: the process cannot go on.
          this.kill();
          throw new ProcessEndedError(
            `The model process ${this.label} wrote ${error.message} during ${what}, more than a reply may hold (COMMAND_DEFAULTS.maxLineBytes); psweep stopped it`,
          );
        }
        text = null;
      }
      if (text === null) {
        this.#killed = true;
        // The end is this request's doing; a point sent after it never ran, or its reply is lost.
        this.ahead = undefined;
        const status = await this.#status;
        await this.#stderrDone;
        throw new ProcessEndedError(
          `The model process ${this.label} ${exitText(status)} during ${what}${this.#tail()}`,
        );
      }
      const reply = parseReply(text);
      if (!reply) {
        // The stream can no longer be trusted to line up requests and replies.
        this.kill();
        throw new ProcessEndedError(
          `The model process ${this.label} wrote a line that is not a reply during ${what}: ${
            JSON.stringify(text.slice(0, 200))
          } (stdout carries the protocol: write everything else to stderr); psweep stopped it`,
        );
      }
      return reply;
    } finally {
      this.#inFlight--;
      if (this.#inFlight === 0 && this.alive) this.#unref();
    }
  }

  /**
   * Drops the reply to a point sent ahead that the driver did not ask for (a failed point came
   * first, and the model is to be rebuilt before the next). A process that fails meanwhile is
   * left dead, for the caller to start again.
   */
  async discardAhead(limit: number | undefined): Promise<void> {
    if (this.ahead === undefined) return;
    this.ahead = undefined;
    try {
      await this.receive(limit, "a point sent ahead");
    } catch {
      this.kill();
    }
  }

  // Resolves with `work`, or kills the process and rejects with `onTimeout()` after `limit` ms.
  #withLimit<T>(work: Promise<T>, limit: number | undefined, onTimeout: () => Error): Promise<T> {
    if (limit === undefined || !Number.isFinite(limit)) return work;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.kill();
        reject(onTimeout());
      }, limit);
      work.then((v) => {
        clearTimeout(timer);
        resolve(v);
      }, (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
  }

  /** Kills the process at once; pending requests fail. */
  kill(): void {
    // A point sent ahead of the one that was stopped is not to blame for the stop.
    this.ahead = undefined;
    if (this.#killed) return;
    this.#killed = true;
    try {
      this.#child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }

  /**
   * Ends the process: closes its stdin (a served model exits on that), kills it if it was busy
   * or already stopping, and waits until its pipes and status are released.
   */
  async close(): Promise<void> {
    if (this.#inFlight > 0 || this.#killed) this.kill();
    try {
      await this.#writer.close();
    } catch {
      // the process is gone
    }
    if (!this.#killed) {
      // A served model exits when its stdin closes; one that does not is killed.
      const timer = setTimeout(() => this.kill(), 2000);
      await this.#status;
      clearTimeout(timer);
    }
    this.#killed = true;
    await this.#status;
    await this.#lines.drain();
    await this.#stderrDone;
  }

  #keep(text: string): void {
    this.#stderr += text;
    if (this.#stderr.length > 2 * STDERR_TAIL) this.#stderr = this.#stderr.slice(-STDERR_TAIL);
  }

  // The end of the model's stderr, for a message; empty when it wrote nothing.
  #tail(): string {
    const text = this.#stderr.slice(-STDERR_TAIL).trim();
    return text ? `; its stderr ended with:\n${text}` : "";
  }
}

function exitText(status: Deno.CommandStatus): string {
  return status.signal ? `was killed by ${status.signal}` : `exited with code ${status.code}`;
}

/** A line longer than the reader's limit: the stream can no longer be trusted. */
export class LineTooLongError extends Error {
  override name = "LineTooLongError";
}

/**
 * Lines of a byte stream, without their "\n" (and a trailing "\r"). Bytes are appended to one
 * buffer that grows by doubling and are scanned once, so a long line costs time in proportion to
 * its length; one over `maxLine` bytes throws {@linkcode LineTooLongError}.
 */
export class LineReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #decoder = new TextDecoder();
  readonly #maxLine: number;
  // The unread bytes are #buffer[#start, #end); those before #scanned hold no "\n".
  #buffer: Uint8Array = new Uint8Array(0);
  #start = 0;
  #end = 0;
  #scanned = 0;
  #done = false;

  constructor(stream: ReadableStream<Uint8Array>, maxLine: number = COMMAND_DEFAULTS.maxLineBytes) {
    this.#reader = stream.getReader();
    this.#maxLine = maxLine;
  }

  /** The next line, or null at the end of the stream (a last unterminated line counts). */
  async next(): Promise<string | null> {
    for (;;) {
      // Bytes past #end are stale (a grown buffer's room): only [#scanned, #end) is looked at,
      // through a view where there is such room.
      const live = this.#end === this.#buffer.length
        ? this.#buffer
        : this.#buffer.subarray(0, this.#end);
      const end = live.indexOf(10, this.#scanned);
      if (end >= 0) {
        const stop = end > this.#start && this.#buffer[end - 1] === 13 ? end - 1 : end;
        if (stop - this.#start > this.#maxLine) this.#tooLong();
        const line = this.#decoder.decode(this.#buffer.subarray(this.#start, stop));
        this.#start = this.#scanned = end + 1;
        return line;
      }
      this.#scanned = this.#end;
      // (A last "\r" may be the start of the line's "\r\n".)
      const cr = this.#end > this.#start && this.#buffer[this.#end - 1] === 13 ? 1 : 0;
      if (this.#end - this.#start - cr > this.#maxLine) this.#tooLong();
      if (this.#done) {
        if (this.#start >= this.#end) return null;
        const line = this.#decoder.decode(this.#buffer.subarray(this.#start, this.#end));
        this.#start = this.#scanned = this.#end;
        return line;
      }
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await this.#reader.read();
      } catch {
        chunk = { done: true, value: undefined };
      }
      if (chunk.done) {
        this.#done = true;
        continue;
      }
      this.#append(chunk.value);
    }
  }

  #tooLong(): never {
    throw new LineTooLongError(`a line longer than ${this.#maxLine} bytes`);
  }

  #append(bytes: Uint8Array): void {
    const unread = this.#end - this.#start;
    if (unread === 0) {
      // The common case, a reply that came whole: its bytes are used where they are.
      this.#buffer = bytes;
      this.#start = this.#scanned = 0;
      this.#end = bytes.length;
      return;
    }
    if (this.#end + bytes.length > this.#buffer.length) {
      // The unread bytes move to the front of a buffer twice the size they need, so that a long
      // line's bytes are copied a few times in all, not once for every chunk that follows them.
      const next = new Uint8Array(Math.max(2 * (unread + bytes.length), 1024));
      next.set(this.#buffer.subarray(this.#start, this.#end));
      this.#scanned -= this.#start;
      this.#start = 0;
      this.#end = unread;
      this.#buffer = next;
    }
    this.#buffer.set(bytes, this.#end);
    this.#end += bytes.length;
  }

  /** Reads to the end of the stream, so that it is released. */
  async drain(): Promise<void> {
    while (!this.#done) {
      try {
        const chunk = await this.#reader.read();
        if (chunk.done) this.#done = true;
      } catch {
        this.#done = true;
      }
    }
  }
}
