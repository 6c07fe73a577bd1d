/**
 * The runs a viewer shows, found in the paths it was given:
 *
 * - a file is a run of one file;
 * - a run folder (one holding `index.h5`, as `H5Logger.inRun` makes it) is a run, whose
 *   writers are its `<writer>.h5` files;
 * - any other folder is watched, as a folder of runs (a log dir): below it, every folder that
 *   holds writers' files or an index is a run of those writers, named by its path in the
 *   watched folder (`exp1`, `sweep/lr=0.1`), and the `.h5`/`.hdf5` files directly in the
 *   watched folder (and `.hdf5` files below it) are runs of one file each, as before runs had
 *   writers.
 *
 * `index.h5` is never a run nor a writer; hidden files and folders are left out. Folders are
 * scanned again every second, so runs and writers appear as their files are created. Every
 * run has an id of the server's own; requests name runs by id only, never by path. A scan
 * stays inside its folder: anything whose real path leads outside (a symbolic link) is left out.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { EventEmitter } from "node:events";
import fs from "node:fs";
import path from "node:path";
import { INDEX_FILE, writerOfFile } from "../model/writers.js";
import { RunFile, type SeriesInfo } from "./run-file.js";

/** One writer of a run: a file. */
export interface Writer {
  /** Its file's name without `.h5`; for a run of one file, the run's name. */
  name: string;
  file: RunFile;
}

export interface Run {
  id: string;
  /** The file name without its extension, or the run folder's path, relative to the watched folder it was found in. */
  name: string;
  /** The run folder's real path, or null for a run of one file. */
  folder: string | null;
  /** Sorted by name; a run of one file has one. */
  writers: Writer[];
  /** Found by a scan (and dropped when gone), or given. */
  scanned: boolean;
}

/** One writer as `/api/runs` lists it. */
export interface WriterInfo {
  name: string;
  live: boolean;
  updated: number;
  error: string | null;
  series: SeriesInfo[];
}

/** A run as `/api/runs` lists it. */
export interface RunInfo {
  id: string;
  name: string;
  /** Whether a writer is writing it. */
  live: boolean;
  /** When the run last changed (ms since 1970), for the age of its last row. */
  updated: number;
  error: string | null;
  /** Every series of any writer; for a run folder, `rows` counts every writer's rows. */
  series: SeriesInfo[];
  /** A run folder's writers (absent for a run of one file). */
  writers?: WriterInfo[];
}

/** Events: `runs` (the list, a run's writers or series changed), `rows` (series of a run's writer grew). */
export interface CatalogEvents {
  runs: [];
  rows: [{ run: string; writer?: string; series: { name: string; rows: number }[] }];
}

/** Pause between scans of the watched folders, in ms. */
const SCAN_MS = 1000;
/** How deep a scan goes below a watched folder (runs/sweep/exp1/w0.h5 is depth 3). */
const MAX_DEPTH = 4;
const EXTENSIONS = /\.(h5|hdf5)$/i;

/** What a scan found: a run of one file, or a run folder with its writers' files (real paths). */
type Found = { name: string; file: string } | { name: string; folder: string; writers: Map<string, string> };

export class Catalog extends EventEmitter<CatalogEvents> {
  readonly #runs = new Map<string, Run>();
  /** Folders watched, by real path. */
  readonly #folders: string[] = [];
  #nextScan = 0;
  #timer: NodeJS.Timeout | null = null;

  /** `paths`: files and folders, as the user gave them; each is resolved once, here. */
  constructor(paths: readonly string[]) {
    super();
    for (const given of paths) {
      const real = fs.realpathSync(given); // throws for a path that does not exist: a usage error
      if (fs.statSync(real).isDirectory()) this.#folders.push(real);
      else this.#sync(idOf(real), { name: path.basename(real).replace(EXTENSIONS, ""), file: real }, false);
    }
    this.#scan();
  }

  /** Start polling every file (one `stat` when unchanged) and scanning folders. */
  start(pollMs = 25): void {
    this.poll();
    this.#timer = setInterval(() => this.poll(), pollMs);
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    for (const run of this.#runs.values()) for (const w of run.writers) w.file.close();
  }

  /** One round: scan folders when due, then look at every file whose time has come. */
  poll(): void {
    let listChanged = false;
    if (Date.now() >= this.#nextScan) {
      listChanged = this.#scan();
      this.#nextScan = Date.now() + SCAN_MS;
    }
    for (const run of this.#runs.values()) {
      for (const writer of run.writers) {
        const change = writer.file.poll();
        if (!change) continue;
        listChanged ||= change.listChanged;
        if (change.grown.length > 0)
          this.emit("rows", { run: run.id, ...(run.folder === null ? {} : { writer: writer.name }), series: change.grown });
      }
    }
    if (listChanged) this.emit("runs");
  }

  get(id: string): Run | undefined {
    return this.#runs.get(id);
  }

  list(): RunInfo[] {
    return [...this.#runs.values()].map(info).sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  }

  /** Add a run, or bring a run folder's writers up to date; returns whether anything changed. */
  #sync(id: string, found: Found, scanned: boolean): boolean {
    const run = this.#runs.get(id);
    if (!("folder" in found)) {
      if (run) return false;
      this.#runs.set(id, { id, name: found.name, folder: null, writers: [{ name: found.name, file: new RunFile(found.file) }], scanned });
      return true;
    }
    if (!run) {
      const writers = [...found.writers].map(([name, file]) => ({ name, file: new RunFile(file) }));
      this.#runs.set(id, { id, name: found.name, folder: found.folder, writers: writers.sort(byName), scanned });
      return true;
    }
    const gone = run.writers.filter((w) => found.writers.get(w.name) !== w.file.path);
    for (const w of gone) w.file.close();
    const kept = run.writers.filter((w) => !gone.includes(w));
    const added = [...found.writers].filter(([name]) => !kept.some((w) => w.name === name));
    if (gone.length === 0 && added.length === 0) return false;
    run.writers = [...kept, ...added.map(([name, file]) => ({ name, file: new RunFile(file) }))].sort(byName);
    return true;
  }

  /** Find new runs and writers in the watched folders and drop those gone; returns whether the list changed. */
  #scan(): boolean {
    const found = new Map<string, Found>();
    for (const root of this.#folders) {
      const own = readFolder(root, root);
      if (own.index) found.set(idOf(root), { name: path.basename(root), folder: root, writers: own.writers });
      else walk(root, root, 1, found);
    }
    let changed = false;
    for (const [id, f] of found) changed = this.#sync(id, f, true) || changed;
    for (const [id, run] of this.#runs) {
      if (!run.scanned || found.has(id)) continue;
      for (const w of run.writers) w.file.close();
      this.#runs.delete(id);
      changed = true;
    }
    return changed;
  }
}

const idOf = (real: string) => createHash("sha256").update(real).digest("hex").slice(0, 12);

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

function info(run: Run): RunInfo {
  const writers = run.writers.map(
    (w): WriterInfo => ({
      name: w.name,
      live: w.file.live,
      updated: Math.round(w.file.mtimeMs),
      error: w.file.error,
      series: [...w.file.series],
    }),
  );
  if (run.folder === null) {
    const { name: _, ...only } = writers[0] as WriterInfo;
    return { id: run.id, name: run.name, ...only };
  }
  const failed = writers.filter((w) => w.error !== null);
  return {
    id: run.id,
    name: run.name,
    live: writers.some((w) => w.live),
    updated: Math.max(0, ...writers.map((w) => w.updated)),
    // The run's error only when no writer can be read; each writer's is in its entry.
    error: writers.length > 0 && failed.length === writers.length ? `${failed[0]?.name}: ${failed[0]?.error}` : null,
    series: union(writers),
    writers,
  };
}

/** Every series of any writer: rows added up, a step or time column when any writer has one. */
function union(writers: readonly WriterInfo[]): SeriesInfo[] {
  const out = new Map<string, SeriesInfo>();
  for (const w of writers) {
    for (const s of w.series) {
      const had = out.get(s.name);
      if (!had) out.set(s.name, { ...s, shape: [...s.shape] });
      else {
        had.rows += s.rows;
        had.hasStep ||= s.hasStep;
        had.hasTime ||= s.hasTime;
      }
    }
  }
  return [...out.values()].sort(byName);
}

/** One folder's entries that count: its writers' files, whether it has an index, other HDF5 files and subfolders (real paths inside `root`). */
function readFolder(root: string, dir: string): { writers: Map<string, string>; index: boolean; files: string[]; folders: string[] } {
  const out = { writers: new Map<string, string>(), index: false, files: [] as string[], folders: [] as string[] };
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return out; // removed or unreadable meanwhile
  }
  for (const entry of entries) {
    if (entry.name.startsWith(".")) continue; // hidden: h5logger's temporary files among them
    let real: string;
    let st: fs.Stats;
    try {
      real = fs.realpathSync(path.join(dir, entry.name));
      st = fs.statSync(real);
    } catch {
      continue;
    }
    if (real !== root && !real.startsWith(root + path.sep)) continue; // a link out of the folder
    if (st.isDirectory()) out.folders.push(real);
    else if (!st.isFile()) continue;
    else if (entry.name === INDEX_FILE) out.index = true;
    else if (writerOfFile(entry.name) !== null) out.writers.set(writerOfFile(entry.name) as string, real);
    else if (EXTENSIONS.test(entry.name)) out.files.push(real);
  }
  return out;
}

/** The runs below a watched folder `root`, from `dir` down. */
function walk(root: string, dir: string, depth: number, found: Map<string, Found>): void {
  const here = readFolder(root, dir);
  const loose = [...here.files];
  if (dir === root)
    loose.push(...here.writers.values()); // the watched folder's own files: one run each
  else if (here.writers.size > 0 || here.index)
    found.set(idOf(dir), { name: path.relative(root, dir), folder: dir, writers: here.writers });
  for (const file of loose) found.set(idOf(file), { name: path.relative(root, file).replace(EXTENSIONS, ""), file });
  if (depth < MAX_DEPTH) for (const folder of here.folders) walk(root, folder, depth + 1, found);
}
