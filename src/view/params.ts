/**
 * Request parameters, checked once: every handler gets a run that exists, a series that the
 * run lists, numbers that are numbers. Anything else is an {@link ApiError} with a status and
 * a message that says what to send instead.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { gzipSync } from "node:zlib";
import type { Catalog, Run, Writer } from "./catalog.js";
import type { SeriesQuery } from "./query.js";
import type { RunFile, SeriesInfo } from "./run-file.js";
import { jsonable } from "../model/json.js";

export { jsonable };

export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** The x axis a request asks for. */
export type XMode = "row" | "step" | "time";

export interface SeriesTarget {
  run: Run;
  writer: Writer;
  file: RunFile;
  info: SeriesInfo;
}

/** The run named by `run=ID`. */
export function runTarget(catalog: Catalog, q: URLSearchParams): Run {
  const id = q.get("run");
  if (!id) throw new ApiError(400, "run=ID is needed (ids are in /api/runs)");
  const run = catalog.get(id);
  if (!run) throw new ApiError(404, `no run ${JSON.stringify(id)} (ids are in /api/runs)`);
  return run;
}

/** The series name of `name=NAME`. */
export function nameParam(q: URLSearchParams): string {
  const name = q.get("name");
  if (!name) throw new ApiError(400, "name=SERIES is needed");
  return name;
}

/**
 * The run, writer and series named by `run=ID&name=NAME[&writer=W]`. Without `writer`, the one
 * writer that has the series: a run of one file, or a run folder where only one writer has it.
 */
export function seriesTarget(catalog: Catalog, q: URLSearchParams): SeriesTarget {
  const run = runTarget(catalog, q);
  const asked = q.get("writer");
  const only = run.folder === null ? (run.writers[0] as Writer) : null;
  if (only && only.file.error !== null) throw new ApiError(503, `run ${run.name} cannot be read: ${only.file.error}`);
  const name = nameParam(q);
  if (asked !== null) {
    const writer = run.writers.find((w) => w.name === asked);
    if (!writer) throw new ApiError(404, `run ${run.name} has no writer ${JSON.stringify(asked)} (writers: ${writerList(run)})`);
    return inWriter(run, writer, name);
  }
  if (only) return inWriter(run, only, name);
  const having = run.writers.filter((w) => w.file.series.some((s) => s.name === name));
  if (having.length === 1) return inWriter(run, having[0] as Writer, name);
  if (having.length > 1)
    throw new ApiError(
      400,
      `run ${run.name} has ${name} in ${having.length} writers (${having.map((w) => w.name).join(", ")}): give writer=NAME, or agg=mean for the mean across them`,
    );
  throw new ApiError(404, `no writer of run ${run.name} has a series ${JSON.stringify(name)} (writers: ${writerList(run)})`);
}

function inWriter(run: Run, writer: Writer, name: string): SeriesTarget {
  const file = writer.file;
  const what = run.folder === null ? `run ${run.name}` : `writer ${writer.name} of run ${run.name}`;
  if (file.error !== null) throw new ApiError(503, `${what} cannot be read: ${file.error}`);
  const info = file.series.find((s) => s.name === name);
  if (!info) throw new ApiError(404, `${what} has no series ${JSON.stringify(name)}`);
  return { run, writer, file, info };
}

function writerList(run: Run): string {
  const names = run.writers.map((w) => w.name);
  return (names.length > 10 ? `${names.slice(0, 10).join(", ")}, ...` : names.join(", ")) || "none";
}

export function xMode(q: URLSearchParams, info: SeriesInfo): XMode {
  const x = q.get("x") ?? "row";
  if (x !== "row" && x !== "step" && x !== "time") throw new ApiError(400, `x must be row, step or time, got ${JSON.stringify(x)}`);
  if (x === "step" && !info.hasStep) throw new ApiError(400, `${info.name} has no step column (${info.name}.step)`);
  if (x === "time" && !info.hasTime) throw new ApiError(400, `${info.name} has no time column (${info.name}.time)`);
  return x;
}

/** An optional finite number parameter. */
export function numberParam(q: URLSearchParams, key: string): number | undefined {
  const text = q.get(key);
  if (text === null || text === "") return undefined;
  const n = Number(text);
  if (!Number.isFinite(n)) throw new ApiError(400, `${key} must be a finite number, got ${JSON.stringify(text)}`);
  return n;
}

/** An integer parameter in [min, max], with a default. */
export function intParam(q: URLSearchParams, key: string, fallback: number, min: number, max: number): number {
  const n = numberParam(q, key) ?? fallback;
  if (!Number.isInteger(n) || n < min || n > max) throw new ApiError(400, `${key} must be a whole number from ${min} to ${max}, got ${n}`);
  return n;
}

/** Most buckets one answer may ask for: a 4K screen's width, twice. */
export const MAX_BUCKETS = 8192;

/** What `/api/series` asks for besides the series: buckets, range and smoothing. */
export function seriesQuery(q: URLSearchParams): SeriesQuery {
  const smoothText = q.get("smooth");
  const smooth = smoothText === null ? undefined : (numberParam(q, "smooth") as number);
  if (smooth !== undefined && !(smooth >= 0 && smooth < 1)) throw new ApiError(400, `smooth must be at least 0 and below 1, got ${smooth}`);
  const from = numberParam(q, "from");
  const to = numberParam(q, "to");
  if (from !== undefined && to !== undefined && to < from) throw new ApiError(400, `to (${to}) must not be below from (${from})`);
  return { buckets: intParam(q, "buckets", 1000, 1, MAX_BUCKETS), from, to, smooth };
}

export function atParam(q: URLSearchParams): number {
  const at = numberParam(q, "at");
  if (at === undefined) throw new ApiError(400, "at=X is needed");
  return at;
}

/** Whether a request asks for the mean across a run's writers (`agg=mean`, the only aggregate). */
export function isAgg(q: URLSearchParams): boolean {
  const agg = q.get("agg");
  if (agg === null) return false;
  if (agg !== "mean") throw new ApiError(400, `agg must be mean, got ${JSON.stringify(agg)}`);
  return true;
}

/** Answers above this many bytes are gzipped for clients that accept it: 1,000 buckets of doubles are ~100 KB as text. */
const GZIP_ABOVE = 2048;

/** Send a JSON answer (never cached: the data changes while it is written). */
export function sendJson(req: IncomingMessage, res: ServerResponse, status: number, body: unknown): void {
  let data: Buffer = Buffer.from(JSON.stringify(body));
  const headers: Record<string, string | number> = {
    "Content-Type": "application/json; charset=utf-8",
    "Cache-Control": "no-store",
    Vary: "Accept-Encoding",
  };
  if (data.length > GZIP_ABOVE && /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""))) {
    data = gzipSync(data, { level: 4 });
    headers["Content-Encoding"] = "gzip";
  }
  headers["Content-Length"] = data.length;
  res.writeHead(status, headers);
  res.end(req.method === "HEAD" ? undefined : data);
}
