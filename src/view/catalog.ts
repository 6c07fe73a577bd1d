/**
 * The runs a viewer shows: the files it was given, and the `.h5`/`.hdf5` files found in the
 * folders it watches (each file a run). Every run has an id of the server's own; requests
 * name runs by id only, never by path. A folder's scan stays inside it: a file whose real
 * path leads outside (a symbolic link) is left out.
 *
 * A run holds a list of files so that a later "run of many writers" can hold several; today
 * each run holds one.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { EventEmitter } from "node:events";
import fs from "node:fs";
import path from "node:path";
import { RunFile, type SeriesInfo } from "./run-file.js";

export interface Run {
  id: string;
  /** The file name without its extension, relative to the watched folder it was found in. */
  name: string;
  files: RunFile[];
}

/** A run as `/api/runs` lists it. */
export interface RunInfo {
  id: string;
  name: string;
  live: boolean;
  /** When the run last changed (ms since 1970), for the age of its last row. */
  updated: number;
  error: string | null;
  series: SeriesInfo[];
}

/** Events: `runs` (the list or a run's series changed), `rows` ({ run, series: [{ name, rows }] }). */
export interface CatalogEvents {
  runs: [];
  rows: [{ run: string; series: { name: string; rows: number }[] }];
}

/** Pause between scans of the watched folders, in ms. */
const SCAN_MS = 1000;
/** How deep a scan goes below a watched folder (runs/exp1/seed0.h5 is depth 2). */
const MAX_DEPTH = 4;
const EXTENSIONS = /\.(h5|hdf5)$/i;

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
      else this.#add(real, path.basename(real).replace(EXTENSIONS, ""));
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
    for (const run of this.#runs.values()) for (const f of run.files) f.close();
  }

  /** One round: scan folders when due, then look at every file whose time has come. */
  poll(): void {
    let listChanged = false;
    if (Date.now() >= this.#nextScan) {
      listChanged = this.#scan();
      this.#nextScan = Date.now() + SCAN_MS;
    }
    for (const run of this.#runs.values()) {
      for (const file of run.files) {
        const change = file.poll();
        if (!change) continue;
        listChanged ||= change.listChanged;
        if (change.grown.length > 0) this.emit("rows", { run: run.id, series: change.grown });
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

  #add(real: string, name: string): boolean {
    const id = createHash("sha256").update(real).digest("hex").slice(0, 12);
    if (this.#runs.has(id)) return false;
    this.#runs.set(id, { id, name, files: [new RunFile(real)] });
    return true;
  }

  /** Find new files in the watched folders and drop runs whose file is gone; returns whether the list changed. */
  #scan(): boolean {
    let changed = false;
    for (const folder of this.#folders) {
      for (const file of findFiles(folder)) changed = this.#add(file, path.relative(folder, file).replace(EXTENSIONS, "")) || changed;
    }
    for (const [id, run] of this.#runs) {
      if (run.files.every((f) => !fs.existsSync(f.path)) && this.#folders.some((d) => run.files[0]?.path.startsWith(d + path.sep))) {
        for (const f of run.files) f.close();
        this.#runs.delete(id);
        changed = true;
      }
    }
    return changed;
  }
}

function info(run: Run): RunInfo {
  const file = run.files[0] as RunFile;
  return { id: run.id, name: run.name, live: file.live, updated: Math.round(file.mtimeMs), error: file.error, series: [...file.series] };
}

/** Real paths of the HDF5 files below `root` (itself a real path), never outside it. */
function findFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // removed or unreadable meanwhile
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      let real: string;
      try {
        real = fs.realpathSync(full);
      } catch {
        continue;
      }
      if (real !== root && !real.startsWith(root + path.sep)) continue; // a link out of the folder
      let st: fs.Stats;
      try {
        st = fs.statSync(real);
      } catch {
        continue;
      }
      if (st.isDirectory()) {
        if (depth < MAX_DEPTH && !entry.name.startsWith(".")) walk(real, depth + 1);
      } else if (st.isFile() && EXTENSIONS.test(entry.name)) out.push(real);
    }
  };
  walk(root, 1);
  return out.sort();
}
