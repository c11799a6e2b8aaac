// Internal: text the CLI prints can carry a model's words (its error messages, its output
// names) and a user's paths. Terminals act on control characters: escape sequences can set the
// window title, write the clipboard (OSC 52), clear the screen or hide text, and a carriage
// return can overwrite what was printed. Everything printed passes through here first.

// C0 controls but tab and newline, DEL, C1 controls (U+0080-U+009F: U+009B acts as ESC [ on some
// terminals), and the bidirectional overrides and isolates that reorder what is shown.
// deno-lint-ignore no-control-regex
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** `text` with every character a terminal would act on written as a visible escape (`\x1b`). */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, "0")}`
      : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}
