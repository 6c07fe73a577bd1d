/**
 * The JSON API (see README "Live viewer"): the run list, one run's attributes, the M4
 * buckets of a series, and the exact row under the cursor. Each handler checks its
 * parameters through params.ts and reads through the run's reader; none takes a path.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { PyramidCache } from "./cache.js";
import type { Catalog } from "./catalog.js";
import type { Column } from "./column.js";
import { querySeries, rowRange } from "./query.js";
import { ApiError, intParam, jsonable, numberParam, type SeriesTarget, seriesTarget, sendJson, type XMode, xMode } from "./params.js";

/** Most buckets one answer may ask for: a 4K screen's width, twice. */
export const MAX_BUCKETS = 8192;

export interface ApiContext {
  catalog: Catalog;
  cache: PyramidCache;
}

export type Handler = (ctx: ApiContext, q: URLSearchParams, req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

/** The x column of a series for an x mode, or null for the row index. */
export function xColumn(t: SeriesTarget, x: XMode): Column | null {
  if (x === "row") return null;
  const col = t.file.column(`${t.info.name}.${x}`);
  if (!col) throw new ApiError(500, `${t.info.name}.${x} is not a numeric series`);
  return col;
}

/** The numeric column of a series, or a 400 for strings and arrays. */
export function valueColumn(t: SeriesTarget): Column {
  const col = t.file.column(t.info.name);
  if (!col) throw new ApiError(400, `${t.info.name} is not a series of numbers (dtype ${t.info.dtype}, row shape [${t.info.shape}])`);
  return col;
}

/** A cache key that changes when the file is reopened from scratch. */
export function seriesKey(t: SeriesTarget): string {
  return `${t.run.id}\0${t.file.generation}\0${t.info.name}`;
}

const runs: Handler = (ctx, _q, req, res) => sendJson(req, res, 200, { runs: ctx.catalog.list() });

const run: Handler = (ctx, q, req, res) => {
  const id = q.get("run") ?? "";
  const found = ctx.catalog.get(id);
  if (!found) throw new ApiError(404, `no run ${JSON.stringify(id)} (ids are in /api/runs)`);
  const file = found.files[0];
  let attrs: unknown = {};
  if (file && file.error === null) attrs = jsonable(file.reader().attrs);
  sendJson(req, res, 200, { id: found.id, name: found.name, error: file?.error ?? null, attrs });
};

const series: Handler = async (ctx, q, req, res) => {
  const t = seriesTarget(ctx.catalog, q);
  const x = xMode(q, t.info);
  const smoothText = q.get("smooth");
  const smooth = smoothText === null ? undefined : (numberParam(q, "smooth") as number);
  if (smooth !== undefined && !(smooth >= 0 && smooth < 1)) throw new ApiError(400, `smooth must be at least 0 and below 1, got ${smooth}`);
  const from = numberParam(q, "from");
  const to = numberParam(q, "to");
  if (from !== undefined && to !== undefined && to < from) throw new ApiError(400, `to (${to}) must not be below from (${from})`);
  const answer = await querySeries(
    { key: seriesKey(t), values: valueColumn(t), x: xColumn(t, x) },
    { buckets: intParam(q, "buckets", 1000, 1, MAX_BUCKETS), from, to, smooth },
    ctx.cache,
  );
  const { row0: _r0, row1: _r1, ...buckets } = answer.buckets;
  sendJson(req, res, 200, { rows: answer.rows, x, monotone: answer.monotone, ...(smooth === undefined ? {} : { smooth }), buckets });
};

/** The row nearest to x = `at` (the first at or after it, else the last), with its step, time and value. */
const point: Handler = async (ctx, q, req, res) => {
  const t = seriesTarget(ctx.catalog, q);
  const x = xMode(q, t.info);
  const at = numberParam(q, "at");
  if (at === undefined) throw new ApiError(400, "at=X is needed");
  const values = valueColumn(t);
  const xs = xColumn(t, x);
  const rows = xs ? Math.min(values.length, xs.length) : values.length;
  if (rows === 0) return sendJson(req, res, 200, { row: null });
  const key = seriesKey(t);
  const [r0] = await rowRange({ key, values, x: xs }, rows, { buckets: 1, from: at }, ctx.cache);
  const row = Math.min(r0, rows - 1);
  const read = (name: string) => t.file.column(name)?.read(row, row + 1)[0] ?? null;
  sendJson(req, res, 200, {
    row,
    value: jsonable(values.read(row, row + 1)[0]),
    step: t.info.hasStep ? read(`${t.info.name}.step`) : null,
    time: t.info.hasTime ? read(`${t.info.name}.time`) : null,
  });
};

export const JSON_ROUTES: Record<string, Handler> = {
  "/api/runs": runs,
  "/api/run": run,
  "/api/series": series,
  "/api/point": point,
};
