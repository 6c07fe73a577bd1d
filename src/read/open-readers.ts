/**
 * Which files this thread has open for reading through HDF5, by real path: HDF5 cannot open a
 * file for writing that the same process has open for reading, so a writer asks here first
 * and says so plainly.
 *
 * @module
 */

const open = new Map<string, number>();

/** `path` is open for reading from now on; call the returned function when it is closed (once). */
export function readingNow(path: string): () => void {
  open.set(path, (open.get(path) ?? 0) + 1);
  let done = false;
  return () => {
    if (done) return;
    done = true;
    const left = (open.get(path) ?? 1) - 1;
    if (left > 0) open.set(path, left);
    else open.delete(path);
  };
}

/** How many readers of this thread have `path` open through HDF5. */
export function readersOf(path: string): number {
  return open.get(path) ?? 0;
}
