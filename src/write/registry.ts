/**
 * The files this thread writes, by device and inode: the identity of a file whatever name
 * reached it (a symlink, a hard link, a relative path). A second logger of the same file in
 * this thread is refused here, with a message that names the first.
 *
 * @module
 */
import type fs from "node:fs";

const writing = new Map<string, string>();

/** The identity of a file as the operating system has it. */
export function identityOf(stat: fs.Stats): string {
  return `${stat.dev}:${stat.ino}`;
}

/** The name the logger of this file in this thread was opened with, if one is open. */
export function writerOfIdentity(identity: string): string | undefined {
  return writing.get(identity);
}

/** A logger of this thread writes the file `identity`, opened as `name`; returns what ends it. */
export function register(identity: string, name: string): () => void {
  writing.set(identity, name);
  return () => {
    if (writing.get(identity) === name) writing.delete(identity);
  };
}
