/**
 * Options of the logger and of `log()`: their types, defaults, and the checks that run once
 * at the boundary so the rest of the code can trust them.
 *
 * @module
 */
import { type Dtype, describe, dtypeSize, parseDtype } from "./dtype.js";
import { type AttributeInput, encodeAttributes } from "./attributes.js";
import { InvalidOptionError, InvalidValueError } from "./errors.js";
import { canonicalName } from "./names.js";

export type { AttributeInput } from "./attributes.js";

/**
 * Declares a dataset before it is logged: its dtype, its row shape, or both. When both are
 * known the dataset is created when the logger opens.
 *
 * Also accepted: the seed's `[rank, kind]` tuple, where `rank` is the rank of the stored
 * dataset (1 for a series of scalars) and `kind` a dtype name such as `"int"` or `"float"`.
 */
export type DatasetDeclaration =
  | {
      dtype?: Dtype | "float" | "int" | "uint" | "str" | "boolean" | "double";
      shape?: readonly number[];
      /**
       * Strings only: store each string in this many bytes of UTF-8 (HDF5's fixed-length
       * strings, which concurrent readers allow); a longer string is refused.
       */
      maxBytes?: number;
      /** Compression of this dataset and its companions, instead of the logger's `compression`. */
      compression?: Compression;
      attrs?: Record<string, AttributeInput>;
    }
  | readonly [number, string];

/**
 * Compression of a dataset's chunks: `"gzip"` (deflate at level {@link DEFAULT_GZIP_LEVEL}, as
 * h5py's `compression="gzip"`), `{ gzip: LEVEL }` with LEVEL from 1 (fastest) to 9 (smallest),
 * or `false` for none. Every HDF5 reader can read deflate.
 */
export type Compression = "gzip" | { gzip: number } | false;

/** h5py's level for `compression="gzip"`. */
export const DEFAULT_GZIP_LEVEL = 4;

/** Why variable-length strings and concurrent readers do not mix. */
export const STRINGS_UNDER_SWMR = `variable-length strings cannot be logged with concurrent readers: HDF5's SWMR mode does not support variable-length data; declare the dataset with a length in bytes ({ dtype: "string", maxBytes: 64 }) to store fixed-length strings, or log strings to a file without concurrent readers`;

/** Options of {@link H5Logger}. */
export interface H5LoggerOptions {
  /** Start a fresh file even if one exists. Otherwise rows are appended to the existing file. @default false */
  replaceIfExists?: boolean;
  /** Longest time, in milliseconds, that an accepted row waits in memory before it is written to the file. @default 1000 */
  flushEvery?: number;
  /** Most bytes of rows held in memory across all datasets; reaching it writes them out. @default 67108864 (64 MiB) */
  maxBufferBytes?: number;
  /**
   * Largest HDF5 chunk in bytes (a chunk holds at least one row): what fast series get; slow
   * and short ones get smaller chunks (see FORMAT.md). @default 65536
   */
  chunkBytes?: number;
  /** Compression of every dataset the logger creates (but variable-length strings): see {@link Compression}. @default false */
  compression?: Compression;
  /** Datasets declared up front, by name. */
  datasets?: Record<string, DatasetDeclaration>;
  /** Record each row's wall-clock time in a `NAME.time` dataset (seconds since 1970, float64). @default false */
  timestamps?: boolean;
  /** Record each row's step in a `NAME.step` dataset (int64): the `step` given to `log()`, else {@link H5Logger.step}. @default false */
  steps?: boolean;
  /** Attributes of the file (a run's configuration, say). */
  attrs?: Record<string, AttributeInput>;
  /**
   * Let readers follow the file while it is written (HDF5's single-writer/multiple-reader
   * mode) from the start. Every dataset must be declared in `datasets`, with its shape or
   * rank, because HDF5 cannot add datasets once readers may be watching. @default false
   */
  concurrentReaders?: boolean;
  /**
   * Switch concurrent readers on by themselves once this many datasets exist; logging a name
   * beyond that count is an error.
   */
  nDatasets?: number;
}

/** Options of one `log()` call. */
export interface LogOptions {
  /** The dtype of the dataset, when this call creates it; must match when it exists. */
  dtype?: Dtype | "float" | "int" | "uint" | "str" | "boolean" | "double";
  /** The step of this row (an integer); turns on the step companion when this call creates the dataset. */
  step?: number;
}

/** A declaration in one form: what is fixed up front. */
export interface NormalisedDeclaration {
  dtype?: Dtype;
  rowShape?: number[];
  /** Rank of the row (the stored rank minus one), when only that is declared. */
  rowRank?: number;
  /** Strings: fixed length in bytes. */
  maxBytes?: number;
  /** Deflate level, or null for none; absent: the logger's. */
  compression?: number | null;
  attrs?: Record<string, AttributeInput>;
}

/** Options with defaults filled in. */
export interface ResolvedOptions {
  replaceIfExists: boolean;
  flushEvery: number;
  maxBufferBytes: number;
  chunkBytes: number;
  /** Deflate level, or null for none. */
  compression: number | null;
  datasets: Map<string, NormalisedDeclaration>;
  timestamps: boolean;
  steps: boolean;
  attrs: Record<string, AttributeInput>;
  concurrentReaders: boolean;
  nDatasets: number | null;
}

const LOGGER_KEYS = [
  "replaceIfExists",
  "flushEvery",
  "maxBufferBytes",
  "chunkBytes",
  "compression",
  "datasets",
  "timestamps",
  "steps",
  "attrs",
  "concurrentReaders",
  "nDatasets",
];
const LOG_KEYS = ["dtype", "step"];

/** Throw for keys that are not options, naming the closest ones we know. */
export function rejectUnknownKeys(what: string, options: object, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key))
      throw new InvalidOptionError(`${what}: unknown option ${JSON.stringify(key)}; known options are ${known.join(", ")}`);
  }
}

/** Node's timers take at most 2^31 - 1 ms (about 24.8 days); beyond, they fire after 1 ms. */
const MAX_FLUSH_EVERY = 2 ** 31 - 1;
/** HDF5 keeps a chunk whole in the WebAssembly heap while it writes it: far below HDF5's own 4 GiB limit. */
const MAX_CHUNK_BYTES = 256 * 1024 * 1024;
/** Most bytes of one declared row: it must fit the WebAssembly heap, with room to copy it. */
export const MAX_ROW_BYTES = 512 * 1024 * 1024;

function positive(name: string, value: unknown, fallback: number, unit: string, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new InvalidOptionError(`${name} must be a positive number of ${unit}, got ${describe(value)}`);
  }
  if (value > max) throw new InvalidOptionError(`${name} must be at most ${max} ${unit}, got ${value}`);
  return value;
}

function flag(name: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== "boolean") throw new InvalidOptionError(`${name} must be true or false, got ${describe(value)}`);
  return value;
}

/** Check the logger's options and fill in defaults. */
export function resolveOptions(options: unknown): ResolvedOptions {
  if (options === undefined) options = {};
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new InvalidOptionError(`options must be an object, got ${describe(options)}`);
  }
  rejectUnknownKeys("H5Logger", options, LOGGER_KEYS);
  const o = options as H5LoggerOptions;
  const datasets = new Map<string, NormalisedDeclaration>();
  if (o.datasets !== undefined) {
    if (typeof o.datasets !== "object" || o.datasets === null)
      throw new InvalidOptionError(`datasets must be an object, got ${describe(o.datasets)}`);
    for (const [name, declaration] of Object.entries(o.datasets)) datasets.set(name, normaliseDeclaration(name, declaration));
  }
  if (o.attrs !== undefined && (typeof o.attrs !== "object" || o.attrs === null || Array.isArray(o.attrs))) {
    throw new InvalidOptionError(`attrs must be an object of attribute values, got ${describe(o.attrs)}`);
  }
  const attrs = o.attrs ?? {};
  encodeAttributes("/", attrs); // checked now: a bad attribute must not leave the rest half-written
  const resolved = {
    replaceIfExists: flag("replaceIfExists", o.replaceIfExists),
    flushEvery: positive("flushEvery", o.flushEvery, 1000, "milliseconds", MAX_FLUSH_EVERY),
    maxBufferBytes: Math.floor(positive("maxBufferBytes", o.maxBufferBytes, 64 * 1024 * 1024, "bytes")),
    chunkBytes: Math.floor(positive("chunkBytes", o.chunkBytes, 64 * 1024, "bytes", MAX_CHUNK_BYTES)),
    compression: compressionLevel("compression", o.compression) ?? null,
    datasets,
    timestamps: flag("timestamps", o.timestamps),
    steps: flag("steps", o.steps),
    attrs,
    concurrentReaders: flag("concurrentReaders", o.concurrentReaders),
    nDatasets: o.nDatasets === undefined ? null : count("nDatasets", o.nDatasets),
  };
  return { ...resolved, datasets: checkDeclarations(resolved) };
}

/** A compression option as a deflate level: null for none, undefined when not given. */
function compressionLevel(what: string, value: unknown): number | null | undefined {
  if (value === undefined) return undefined;
  if (value === false) return null;
  if (value === "gzip") return DEFAULT_GZIP_LEVEL;
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const keys = Object.keys(value);
    const level = (value as { gzip?: unknown }).gzip;
    if (keys.length === 1 && keys[0] === "gzip" && Number.isInteger(level) && (level as number) >= 1 && (level as number) <= 9)
      return level as number;
  }
  throw new InvalidOptionError(
    `${what} must be "gzip", { gzip: LEVEL } with LEVEL an integer from 1 to 9, or false; got ${value !== null && typeof value === "object" && !Array.isArray(value) ? JSON.stringify(value) : describe(value)}`,
  );
}

/** Longest fixed-length string: HDF5 takes more, but a row must stay far below the WebAssembly heap. */
const MAX_STRING_BYTES = 1024 * 1024;

function count(name: string, value: unknown): number {
  if (!Number.isSafeInteger(value) || (value as number) < 1)
    throw new InvalidOptionError(`${name} must be a positive integer, got ${describe(value)}`);
  return value as number;
}

/** Bring a declaration into one form. */
export function normaliseDeclaration(name: string, declaration: unknown): NormalisedDeclaration {
  const what = `datasets.${name}`;
  if (Array.isArray(declaration)) {
    const [rank, kind] = declaration;
    if (declaration.length !== 2 || !Number.isInteger(rank) || rank < 1) {
      throw new InvalidOptionError(
        `${what}: expected [rank, dtype] with rank >= 1 (1 for a series of scalars), got ${JSON.stringify(declaration)}`,
      );
    }
    return { dtype: wrapDtype(kind, what), rowRank: rank - 1, ...(rank === 1 ? { rowShape: [] } : {}) };
  }
  if (typeof declaration !== "object" || declaration === null) {
    throw new InvalidOptionError(`${what}: expected { dtype, shape } or [rank, dtype], got ${describe(declaration)}`);
  }
  rejectUnknownKeys(what, declaration, ["dtype", "shape", "maxBytes", "compression", "attrs"]);
  const d = declaration as {
    dtype?: unknown;
    shape?: unknown;
    maxBytes?: unknown;
    compression?: unknown;
    attrs?: Record<string, AttributeInput>;
  };
  const out: NormalisedDeclaration = {};
  if (d.dtype !== undefined) out.dtype = wrapDtype(d.dtype, what);
  if (d.maxBytes !== undefined) {
    if (out.dtype !== "string") throw new InvalidOptionError(`${what}.maxBytes is for strings: declare dtype: "string" with it`);
    if (!Number.isSafeInteger(d.maxBytes) || (d.maxBytes as number) < 1 || (d.maxBytes as number) > MAX_STRING_BYTES) {
      throw new InvalidOptionError(
        `${what}.maxBytes must be a whole number of bytes from 1 to ${MAX_STRING_BYTES}, got ${describe(d.maxBytes)}`,
      );
    }
    out.maxBytes = d.maxBytes as number;
    // Strings are scalars: with their length known, the dataset can be created up front (as concurrent readers need).
    if (d.shape === undefined) out.rowShape = [];
  }
  const compression = compressionLevel(`${what}.compression`, d.compression);
  if (compression !== undefined) {
    if (compression !== null && out.dtype === "string" && out.maxBytes === undefined) {
      throw new InvalidOptionError(
        `${what}.compression needs fixed-length strings: give maxBytes too (HDF5 does not compress the text of variable-length strings)`,
      );
    }
    out.compression = compression;
  }
  if (d.shape !== undefined) {
    if (!Array.isArray(d.shape) || !d.shape.every((n) => Number.isSafeInteger(n) && n >= 0)) {
      throw new InvalidOptionError(
        `${what}.shape must be the row shape, an array of non-negative integers ([] for scalars), got ${describe(d.shape)}`,
      );
    }
    out.rowShape = [...d.shape];
    const elements = out.rowShape.reduce((a, b) => a * b, 1);
    const bytes = elements * (out.dtype === undefined || out.dtype === "string" ? 8 : dtypeSize(out.dtype));
    if (bytes > MAX_ROW_BYTES) {
      throw new InvalidOptionError(
        `${what}.shape ${JSON.stringify(out.rowShape)}: a row of ${elements} elements is ${bytes} bytes, more than the ${MAX_ROW_BYTES} bytes one row can take (it must fit in HDF5's WebAssembly memory)`,
      );
    }
  }
  if (d.attrs !== undefined) out.attrs = d.attrs;
  return out;
}

function wrapDtype(value: unknown, what: string): Dtype {
  try {
    return parseDtype(value, what);
  } catch (err) {
    throw new InvalidOptionError((err as Error).message);
  }
}

/** Check the options of one `log()` call. */
export function checkLogOptions(dataset: string, options: unknown): { dtype?: Dtype; step?: number } {
  if (typeof options !== "object" || options === null)
    throw new InvalidOptionError(`log(${JSON.stringify(dataset)}): options must be an object, got ${describe(options)}`);
  rejectUnknownKeys(`log(${JSON.stringify(dataset)})`, options, LOG_KEYS);
  const o = options as LogOptions;
  const out: { dtype?: Dtype; step?: number } = {};
  if (o.dtype !== undefined) out.dtype = wrapDtype(o.dtype, `log(${JSON.stringify(dataset)})`);
  if (o.step !== undefined) {
    if (!Number.isSafeInteger(o.step))
      throw new InvalidOptionError(`log(${JSON.stringify(dataset)}): step must be an integer, got ${describe(o.step)}`);
    out.step = o.step;
  }
  return out;
}

/** Check every declaration's name before anything is written; returns them by canonical name. */
function checkDeclarations(
  options: Omit<ResolvedOptions, "datasets"> & { datasets: Map<string, NormalisedDeclaration> },
): Map<string, NormalisedDeclaration> {
  const declared = new Map<string, NormalisedDeclaration>();
  const given = new Map<string, string>();
  for (const [name, declaration] of options.datasets) {
    const canonical = canonicalName(name);
    const earlier = given.get(canonical);
    if (earlier !== undefined) {
      throw new InvalidOptionError(
        `datasets: ${JSON.stringify(earlier)} and ${JSON.stringify(name)} declare the same dataset; declare it once`,
      );
    }
    for (const other of declared.keys()) {
      const [outer, inner] = other.length < canonical.length ? [other, canonical] : [canonical, other];
      if (inner.startsWith(`${outer}/`)) {
        throw new InvalidOptionError(`datasets: ${JSON.stringify(outer)} cannot be a dataset and also hold ${JSON.stringify(inner)}`);
      }
    }
    if (options.concurrentReaders && declaration.rowShape === undefined) {
      if (declaration.dtype === undefined || declaration.rowRank === undefined) {
        throw new InvalidOptionError(
          `datasets.${name}: with concurrentReaders every dataset needs its dtype and its shape or rank up front`,
        );
      }
    }
    if (options.concurrentReaders && declaration.dtype === "string" && declaration.maxBytes === undefined)
      throw new InvalidValueError(canonical, STRINGS_UNDER_SWMR);
    if (declaration.attrs) encodeAttributes(canonical, declaration.attrs);
    given.set(canonical, name);
    declared.set(canonical, declaration);
  }
  return declared;
}
