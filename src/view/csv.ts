/**
 * `/api/csv`: the rows of one series in a visible range at full resolution, as CSV
 * (`row,step,time,NAME`), streamed a block at a time with the socket's back-pressure, as
 * `h5logger export` does, so memory stays flat whatever the range. Values are exact: int64
 * steps as integers, floats in shortest round-trip form, NaN/±Inf as `nan`, `inf`, `-inf`.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Rows } from "../index.js";
import { mergedSource } from "./across.js";
import { type ApiContext, type Handler, seriesKey, valueColumn, xColumn } from "./api.js";
import { isAgg, numberParam, seriesTarget, xMode } from "./params.js";
import { rowRange } from "./query.js";

/** Rows read (or merged) at a time. */
const BLOCK_ROWS = 1 << 16;

export function cell(value: unknown): string {
  if (typeof value === "number") {
    if (Number.isNaN(value)) return "nan";
    if (value === Number.POSITIVE_INFINITY) return "inf";
    if (value === Number.NEGATIVE_INFINITY) return "-inf";
    return String(value);
  }
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A file name for the download: the run and series names with anything unusual replaced. */
export function downloadName(run: string, series: string): string {
  return `${run}-${series}`.replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 120) || "series";
}

export async function write(res: ServerResponse, text: string): Promise<void> {
  if (res.write(text)) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done).on("close", done);
  });
}

export const csv: Handler = async (ctx, q, req: IncomingMessage, res: ServerResponse) => {
  if (isAgg(q)) return aggCsv(ctx, q, req, res);
  const t = seriesTarget(ctx.catalog, q);
  const x = xMode(q, t.info);
  const values = valueColumn(t); // refuses strings and arrays: the page offers CSV for series of numbers
  const xs = xColumn(t, x);
  const rows = xs ? Math.min(values.length, xs.length) : values.length;
  const num = (key: string) => {
    const v = q.get(key);
    return v === null || v === "" ? undefined : Number(v);
  };
  const [r0, r1] = await rowRange({ key: seriesKey(t), values, x: xs }, rows, { buckets: 1, from: num("from"), to: num("to") }, ctx.cache);
  const reader = t.file.reader();
  const view = reader.get(t.info.name);
  const step = t.info.hasStep ? reader.get(`${t.info.name}.step`) : null;
  const time = t.info.hasTime ? reader.get(`${t.info.name}.time`) : null;
  res.writeHead(200, {
    "Content-Type": "text/csv; charset=utf-8",
    "Cache-Control": "no-store",
    "Content-Disposition": `attachment; filename="${downloadName(t.run.folder === null ? t.run.name : `${t.run.name}-${t.writer.name}`, t.info.name)}.csv"`,
  });
  if (req.method === "HEAD") return void res.end();
  await write(res, `${["row", ...(step ? ["step"] : []), ...(time ? ["time"] : []), cell(t.info.name)].join(",")}\n`);
  for (let s = r0; s < r1 && !res.destroyed; s += BLOCK_ROWS) {
    const e = Math.min(r1, s + BLOCK_ROWS);
    const v = view.slice(s, e) as Rows & ArrayLike<unknown>;
    const st = step?.slice(s, e) as ArrayLike<unknown> | undefined;
    const tm = time?.slice(s, e) as ArrayLike<unknown> | undefined;
    let text = "";
    for (let i = 0; i < e - s; i++) {
      text += String(s + i);
      if (st) text += `,${cell(st[i])}`;
      if (tm) text += `,${cell(tm[i])}`;
      text += `,${cell(v[i])}\n`;
    }
    await write(res, text);
  }
  res.end();
};

/** `/api/csv?agg=mean`: every step in range with its mean, band and count, streamed. */
function aggCsv(ctx: ApiContext, q: URLSearchParams, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const range = { buckets: 1, from: numberParam(q, "from"), to: numberParam(q, "to") };
  return ctx.merges.with(ctx.catalog, q, async (t) => {
    const [r0, r1] = await rowRange(mergedSource(t), t.merged.rows, range, t.merged.pyramids);
    res.writeHead(200, {
      "Content-Type": "text/csv; charset=utf-8",
      "Cache-Control": "no-store",
      "Content-Disposition": `attachment; filename="${downloadName(t.run.name, `${t.name}-mean`)}.csv"`,
    });
    if (req.method === "HEAD") return void res.end();
    await write(res, `${t.x},${cell(`${t.name} mean`)},min,max,count\n`);
    for (let s = r0; s < r1 && !res.destroyed; s += BLOCK_ROWS) {
      const r = t.merged.read(s, Math.min(r1, s + BLOCK_ROWS));
      let text = "";
      for (let i = 0; i < r.step.length; i++) text += `${r.step[i]},${cell(r.mean[i])},${cell(r.lo[i])},${cell(r.hi[i])},${r.count[i]}\n`;
      await write(res, text);
    }
    res.end();
  });
}
