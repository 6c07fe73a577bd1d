/**
 * Writers of a run: each writes its own file, `FOLDER/<writer>.h5`, so a writer's name is a
 * file name, checked here once before anything is created. Pure: no files here.
 *
 * @module
 */
import { describe } from "./dtype.js";
import { InvalidOptionError } from "./errors.js";

/** The run's index of external links (FORMAT.md), beside the writers' files. */
export const INDEX_FILE = "index.h5";
/** Every writer's file ends so; `index.h5` is not a writer. */
export const WRITER_EXTENSION = ".h5";

/** Most bytes of a file name (NAME_MAX); the writer's file also has `.h5.lock.takeover` beside it. */
const MAX_NAME_BYTES = 255 - ".h5.lock.takeover".length;

/**
 * Check a writer's name: it becomes the file `<writer>.h5` in the run folder and the link
 * `<writer>` in its index, so it cannot hold a path separator, be empty, `.` or `..`, start
 * with a dot (hidden names are h5logger's temporary files), be `index`, or already end in `.h5`.
 */
export function checkWriterName(writer: unknown): string {
  const problem = writerNameProblem(writer);
  if (problem !== null)
    throw new InvalidOptionError(`writer name ${typeof writer === "string" ? JSON.stringify(writer) : describe(writer)}: ${problem}`);
  return writer as string;
}

function writerNameProblem(writer: unknown): string | null {
  if (typeof writer !== "string") return "must be a string";
  if (writer.length === 0) return "is empty";
  if (writer.includes("/") || writer.includes("\\"))
    return "contains a path separator ('/' or '\\'); it names a file in the run folder, not a path";
  if (writer === "." || writer === "..") return "is not a file name";
  if (writer.startsWith(".")) return "starts with '.'; hidden names are kept for h5logger's temporary files";
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f\u007f]/.test(writer)) return "contains a control character";
  if (/\p{Cs}/u.test(writer)) return "is not valid Unicode (it holds a lone surrogate half)";
  // Case-insensitive: macOS and Windows file systems would make Index.h5 the index.
  if (writer.toLowerCase() === "index") return `is taken by the run's ${INDEX_FILE}`;
  if (/\.(h5|hdf5)$/i.test(writer))
    return `ends in ${writer.slice(writer.lastIndexOf("."))}; give the name without it (the file is <writer>.h5)`;
  if (Buffer.byteLength(writer) > MAX_NAME_BYTES)
    return `is longer than ${MAX_NAME_BYTES} bytes, the most a file name beside its lock can take`;
  return null;
}

/** The writer whose file this is (`w3.h5` → `w3`), or null: not a writer's file (the index, a hidden or temporary file). */
export function writerOfFile(fileName: string): string | null {
  if (!fileName.endsWith(WRITER_EXTENSION) || fileName === INDEX_FILE) return null;
  const writer = fileName.slice(0, -WRITER_EXTENSION.length);
  return writerNameProblem(writer) === null ? writer : null;
}

/**
 * The default writer name, unique to a process and thread on a host: `host-pid` for the main
 * thread, `host-pid-tN` for worker thread N (Node never reuses a thread id in a process).
 */
export function defaultWriterName(hostname: string, pid: number, threadId: number): string {
  const host = hostname.replace(/[^A-Za-z0-9._-]/g, "_").replace(/^\.+/, "") || "host";
  return threadId === 0 ? `${host}-${pid}` : `${host}-${pid}-t${threadId}`;
}
