/**
 * Nothing accepted is lost when the process ends: on `exit` (a normal end, `process.exit()`,
 * an uncaught exception) and on SIGINT, SIGTERM and SIGHUP, every open logger is closed.
 *
 * A signal keeps its default meaning: when no one else listens for it, we close the loggers,
 * remove our listener and raise the signal again, so the process dies of it as it would
 * have (exit code 128 + signal). When the program has its own listener, that listener decides.
 *
 * @module
 */

/** Something to close at exit. */
export interface Closable {
  closeForExit(): void;
}

const open = new Set<Closable>();
const SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
let installed = false;

function closeAll(): void {
  for (const item of [...open]) {
    try {
      item.closeForExit();
    } catch (err) {
      // The process is ending: report and carry on closing the others.
      process.stderr.write(`h5logger: ${(err as Error).message}\n`);
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  closeAll();
  const others = process.listeners(signal).filter((l) => l !== onSignal);
  if (others.length === 0) {
    process.removeListener(signal, onSignal);
    process.kill(process.pid, signal);
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on("exit", closeAll);
  for (const signal of SIGNALS) process.on(signal, onSignal);
}

/** Close `item` when the process ends, unless it is closed first. */
export function closeAtExit(item: Closable): void {
  install();
  open.add(item);
}

/** `item` was closed: forget it. */
export function forget(item: Closable): void {
  open.delete(item);
}
