/**
 * The JSON API (see README "Live viewer"): the run list, one run's attributes, the M4
 * buckets of a series, and the exact row under the cursor; for a run of many writers, one
 * writer's series (`writer=W`) or the mean across them with its min–max band (`agg=mean`,
 * across.ts). Each handler checks its parameters through params.ts and reads through the
 * writers' readers; none takes a path.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import { H5Reader } from "../index.js";
import { INDEX_FILE } from "../model/writers.js";
import { aggPoint, aggSeries } from "./across.js";
import type { PyramidCache } from "./cache.js";
import type { Catalog } from "./catalog.js";
import type { Column } from "./column.js";
import type { MergeStore } from "./merges.js";
import { querySeries, rowRange } from "./query.js";
import type { RunFile } from "./run-file.js";
import {
  ApiError,
  atParam,
  isAgg,
  jsonable,
  runTarget,
  type SeriesTarget,
  seriesQuery,
  seriesTarget,
  sendJson,
  type XMode,
  xMode,
} from "./params.js";

export interface ApiContext {
  catalog: Catalog;
  cache: PyramidCache;
  merges: MergeStore;
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
  return `${t.run.id}\0${t.writer.name}\0${t.file.generation}\0${t.info.name}`;
}

const runs: Handler = (ctx, _q, req, res) => sendJson(req, res, 200, { runs: ctx.catalog.list() });

const attrsOf = (file: RunFile): unknown => (file.error === null ? jsonable(file.reader().attrs) : {});

/** A run folder's attributes, from its index (none before a writer joined). */
function runAttrs(folder: string): { attrs: unknown; error: string | null } {
  let reader: H5Reader;
  try {
    reader = H5Reader.openSync(path.join(folder, INDEX_FILE), { snapshot: true });
  } catch (err) {
    return { attrs: {}, error: `${INDEX_FILE}: ${(err as Error).message}` };
  }
  try {
    return { attrs: jsonable(reader.attrs), error: null };
  } finally {
    reader.close();
  }
}

const run: Handler = (ctx, q, req, res) => {
  const found = runTarget(ctx.catalog, q);
  if (found.folder === null) {
    const file = (found.writers[0] as { file: RunFile }).file;
    return sendJson(req, res, 200, { id: found.id, name: found.name, error: file.error, attrs: attrsOf(file) });
  }
  const writers = found.writers.map((w) => ({ name: w.name, error: w.file.error, attrs: attrsOf(w.file) }));
  sendJson(req, res, 200, { id: found.id, name: found.name, ...runAttrs(found.folder), writers });
};

const series: Handler = async (ctx, q, req, res) => {
  if (isAgg(q)) return aggSeries(ctx, q, req, res);
  const t = seriesTarget(ctx.catalog, q);
  const x = xMode(q, t.info);
  const query = seriesQuery(q);
  const answer = await querySeries({ key: seriesKey(t), values: valueColumn(t), x: xColumn(t, x) }, query, ctx.cache);
  const { row0: _r0, row1: _r1, ...buckets } = answer.buckets;
  const smooth = query.smooth;
  sendJson(req, res, 200, { rows: answer.rows, x, monotone: answer.monotone, ...(smooth === undefined ? {} : { smooth }), buckets });
};

/** The row nearest to x = `at` (the first at or after it, else the last), with its step, time and value. */
const point: Handler = async (ctx, q, req, res) => {
  if (isAgg(q)) return aggPoint(ctx, q, req, res);
  const t = seriesTarget(ctx.catalog, q);
  const x = xMode(q, t.info);
  const at = atParam(q);
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
