/**
 * Request parameters, checked once: every handler gets a run that exists, a series that the
 * run lists, numbers that are numbers. Anything else is an {@link ApiError} with a status and
 * a message that says what to send instead.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { gzipSync } from "node:zlib";
import type { Catalog, Run } from "./catalog.js";
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
  file: RunFile;
  info: SeriesInfo;
}

/** The run and series named by `run=ID&name=NAME`. */
export function seriesTarget(catalog: Catalog, q: URLSearchParams): SeriesTarget {
  const id = q.get("run");
  if (!id) throw new ApiError(400, "run=ID is needed (ids are in /api/runs)");
  const run = catalog.get(id);
  if (!run) throw new ApiError(404, `no run ${JSON.stringify(id)} (ids are in /api/runs)`);
  const file = run.files[0] as RunFile;
  if (file.error !== null) throw new ApiError(503, `run ${run.name} cannot be read: ${file.error}`);
  const name = q.get("name");
  if (!name) throw new ApiError(400, "name=SERIES is needed");
  const info = file.series.find((s) => s.name === name);
  if (!info) throw new ApiError(404, `run ${run.name} has no series ${JSON.stringify(name)}`);
  return { run, file, info };
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
