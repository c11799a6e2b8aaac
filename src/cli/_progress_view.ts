// Internal: the progress a run shows on stderr: a bar redrawn in place on a terminal, otherwise a
// plain line at most every two seconds.
import { formatProgressLine, type Progress } from "../io/progress.ts";

/** Progress on stderr: a bar on a terminal, a plain line otherwise. */
export class ProgressView {
  #tty = Deno.stderr.isTerminal();
  #drawn = false;
  #encoder = new TextEncoder();
  update(p: Progress): void {
    if (this.#tty) {
      const line = `\r${formatProgressLine(p, { width: 30 })}  `;
      Deno.stderr.writeSync(this.#encoder.encode(line));
      this.#drawn = true;
    } else {
      console.error(`progress: ${formatProgressLine(p, { style: "plain" })}`);
    }
  }
  end(): void {
    if (this.#drawn) Deno.stderr.writeSync(this.#encoder.encode("\n"));
    this.#drawn = false;
  }
}
