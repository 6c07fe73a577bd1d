/**
 * Series whose rows are not single numbers: `/api/heatmap` (1-D rows: the mean of each
 * element over the rows of each bucket, elements binned to at most `width` columns), `/api/row`
 * (one row: a 1-D row as M4 buckets over its elements, a 2-D row or an H×W×3 uint8 image
 * with its pixels, strided down to at most 512 on a side) and `/api/rows` (strings and
 * booleans with their row, step and time, for a timeline).
 *
 * @module
 */
import { setImmediate as yieldToLoop } from "node:timers/promises";
import type { DatasetView, Row } from "../index.js";
import type { Handler } from "./api.js";
import { toFloat64 } from "./column.js";
import { M4 } from "./m4.js";
import { ApiError, intParam, jsonable, seriesTarget, sendJson } from "./params.js";

/** Most pixels on a side of an image sent. */
const MAX_SIDE = 512;
/** Bytes of rows read at a time for a heatmap. */
const READ_BYTES = 4 << 20;

const elements = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function rowNumbers(row: Row): Float64Array {
  return toFloat64(ArrayBuffer.isView(row) || Array.isArray(row) ? row : [row]);
}

const heatmap: Handler = async (ctx, q, req, res) => {
  const t = seriesTarget(ctx.catalog, q);
  if (t.info.shape.length !== 1 || t.info.dtype === null || t.info.dtype === "string")
    throw new ApiError(400, `${t.info.name} is not a series of 1-D numeric rows`);
  const view = t.file.reader().get(t.info.name);
  const rows = view.length;
  const length = t.info.shape[0] as number;
  const buckets = Math.min(intParam(q, "buckets", 200, 1, 2000), Math.max(1, rows));
  const width = Math.min(intParam(q, "width", 256, 1, 2048), Math.max(1, length));
  const sum = new Float64Array(buckets * width);
  const n = new Float64Array(buckets * width);
  const step = Math.max(1, Math.floor(READ_BYTES / (8 * Math.max(1, length))));
  for (let s = 0; s < rows; s += step) {
    const chunk = view.slice(s, Math.min(rows, s + step)) as Row[];
    chunk.forEach((row, i) => {
      const b = Math.min(buckets - 1, Math.floor(((s + i) * buckets) / rows));
      const values = rowNumbers(row);
      for (let k = 0; k < values.length; k++) {
        const v = values[k] as number;
        if (!Number.isFinite(v)) continue;
        const cell = b * width + Math.min(width - 1, Math.floor((k * width) / length));
        sum[cell] = (sum[cell] as number) + v;
        n[cell] = (n[cell] as number) + 1;
      }
    });
    await yieldToLoop();
  }
  const mean = Array.from(sum, (v, i) => ((n[i] as number) > 0 ? v / (n[i] as number) : null));
  const finite = mean.filter((v): v is number => v !== null);
  sendJson(req, res, 200, {
    rows,
    buckets,
    width,
    length,
    min: finite.length ? Math.min(...finite) : null,
    max: finite.length ? Math.max(...finite) : null,
    // Bucket b holds rows floor(b·rows/buckets) to floor((b+1)·rows/buckets) − 1.
    values: mean,
  });
};

/** One row: `index` (negative counts from the end; default the last). */
const row: Handler = (ctx, q, req, res) => {
  const t = seriesTarget(ctx.catalog, q);
  const view: DatasetView = t.file.reader().get(t.info.name);
  const rows = view.length;
  if (rows === 0) return sendJson(req, res, 200, { rows, index: null });
  const asked = intParam(q, "index", -1, -rows, rows - 1);
  const index = asked < 0 ? rows + asked : asked;
  const shape = t.info.shape;
  const raw = view.at(index);
  if (t.info.dtype === "string" || typeof raw === "string" || (Array.isArray(raw) && typeof raw[0] === "string"))
    return sendJson(req, res, 200, { rows, index, shape, value: jsonable(raw) });
  const values = rowNumbers(raw);
  if (shape.length <= 1) {
    const m4 = new M4(intParam(q, "buckets", 1000, 1, 8192), 0, Math.max(1, values.length - 1));
    m4.pushRows(values, null, 0);
    const { row0: _a, row1: _b, ...buckets } = m4.result();
    return sendJson(req, res, 200, { rows, index, shape, buckets });
  }
  const [h, w] = shape as [number, number];
  const depth = elements(shape.slice(2));
  const rgb = t.info.dtype === "uint8" && shape.length === 3 && depth === 3;
  const stride = Math.max(1, Math.ceil(Math.max(h, w) / MAX_SIDE));
  const oh = Math.ceil(h / stride);
  const ow = Math.ceil(w / stride);
  const channels = rgb ? 3 : 1;
  const pixels: (number | null)[] = [];
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let y = 0; y < h; y += stride)
    for (let x = 0; x < w; x += stride)
      for (let c = 0; c < channels; c++) {
        const v = values[(y * w + x) * depth + c] as number;
        if (Number.isFinite(v)) {
          min = Math.min(min, v);
          max = Math.max(max, v);
        }
        pixels.push(Number.isFinite(v) ? v : null);
      }
  sendJson(req, res, 200, {
    rows,
    index,
    shape,
    height: oh,
    width: ow,
    rgb,
    stride,
    min: min <= max ? min : null,
    max: min <= max ? max : null,
    pixels,
  });
};

/** Rows `from..to` (default: the last `limit`) of a series of strings or booleans, with step and time. */
const rowList: Handler = (ctx, q, req, res) => {
  const t = seriesTarget(ctx.catalog, q);
  const reader = t.file.reader();
  const view = reader.get(t.info.name);
  const rows = view.length;
  const limit = intParam(q, "limit", 200, 1, 1000);
  const to = Math.min(rows, intParam(q, "to", rows, 0, Number.MAX_SAFE_INTEGER));
  const from = Math.max(0, Math.min(to, intParam(q, "from", Math.max(0, to - limit), 0, Number.MAX_SAFE_INTEGER)), to - limit);
  const pick = (name: string) => (reader.has(name) ? (jsonable(reader.get(name).slice(from, to)) as unknown[]) : null);
  sendJson(req, res, 200, {
    rows,
    from,
    values: jsonable(view.slice(from, to)),
    step: t.info.hasStep ? pick(`${t.info.name}.step`) : null,
    time: t.info.hasTime ? pick(`${t.info.name}.time`) : null,
  });
};

export const ARRAY_ROUTES: Record<string, Handler> = { "/api/heatmap": heatmap, "/api/row": row, "/api/rows": rowList };
