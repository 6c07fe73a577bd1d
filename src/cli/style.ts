/**
 * Colours for the terminal: when the output is a terminal, never with `NO_COLOR` set
 * (https://no-color.org) or `TERM=dumb`; `FORCE_COLOR` (any value but `0` or `false`) turns
 * them on, also into a pipe, and takes precedence, as it does for Node itself.
 *
 * @module
 */

/** Whether a stream may carry colours. */
export function useColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== "0" && force.toLowerCase() !== "false";
  return stream.isTTY === true && !env.NO_COLOR && env.TERM !== "dumb";
}

/** Text styles that are identities when colours are off. */
export interface Style {
  bold(text: string): string;
  dim(text: string): string;
  name(text: string): string;
}

/** Styles for `color` on or off. */
export function style(color: boolean): Style {
  const sgr = (open: number, close: number) => (text: string) => (color ? `\x1b[${open}m${text}\x1b[${close}m` : text);
  return { bold: sgr(1, 22), dim: sgr(2, 22), name: sgr(36, 39) };
}
