/**
 * HDF5's error stacks (dozens of lines) reduced to the line that says what went wrong, with
 * the operating system's error explained for a logger. Pure text work.
 *
 * @module
 */

/** The most specific line of an HDF5 error stack. */
export function summariseHdf5Error(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const lines = text.split("\n").map((l) => l.trim());
  // Stack entries look like "#003: H5Dint.c line 412 in H5D__create(): unable to create dataset".
  const entries = lines.filter((l) => /^#\d+:/.test(l)).map((l) => l.replace(/^#\d+:.*?\):\s*/, ""));
  const minors = lines.filter((l) => l.startsWith("minor:")).map((l) => l.replace(/^minor:\s*/, ""));
  const deepest = entries.at(-1);
  // A failed read or write quotes the operating system's error, which says what to do.
  const system = /error message = '([^']+)'/.exec(text)?.[1];
  if (deepest && system) return `${deepest.replace(/: time = .*$/, "")}: ${explainSystemError(system)}`;
  if (deepest) return minors.at(-1) ? `${deepest} (${minors.at(-1)})` : deepest;
  return lines.find((l) => l.length > 0) ?? "unknown HDF5 error";
}

/** The operating system's error message, with what it means for a logger. */
function explainSystemError(message: string): string {
  if (/no space left/i.test(message)) return `the disk is full (${message})`;
  if (/file too large/i.test(message)) return `the file reached the largest size this process or file system allows (${message})`;
  if (/quota/i.test(message)) return `the disk quota is used up (${message})`;
  return message;
}
