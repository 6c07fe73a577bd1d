/**
 * A series across the writers of a run (`agg=mean` on `/api/series` and `/api/point`; CSV
 * in csv.ts): the mean per step with its min–max band, exact at any size. The merged rows
 * (one per step: merged.ts) go through the same M4 aggregation as one writer's series, the
 * band riding along (query.ts), so that each pixel column gets the first, min, max and last of
 * the means in it and the smallest and largest value of any writer at its steps.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ApiContext } from "./api.js";
import type { MergeTarget } from "./merges.js";
import { atParam, jsonable, seriesQuery, sendJson } from "./params.js";
import { querySeries, rowRange, type SeriesSource } from "./query.js";

/** The merged rows as query.ts takes a series: the mean over the steps, with the band. */
export function mergedSource({ merged }: MergeTarget): SeriesSource {
  return { key: merged.key, values: merged.mean, x: merged.step, band: { lo: merged.lo, hi: merged.hi } };
}

const described = (t: MergeTarget) => ({ agg: "mean", writers: t.merged.writers, alignedOn: t.alignedOn });

/** `/api/series?agg=mean`: M4 buckets of the mean (smoothed with `smooth`), and `lo`/`hi`, the band of the raw values. */
export function aggSeries(ctx: ApiContext, q: URLSearchParams, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const query = seriesQuery(q);
  return ctx.merges.with(
    ctx.catalog,
    q,
    async (t) => {
      // rawRows 0: the merge's pyramids exist, and merging rows again costs more than reading one series.
      const answer = await querySeries(mergedSource(t), { ...query, rawRows: 0 }, t.merged.pyramids);
      const { row0: _r0, row1: _r1, ...buckets } = answer.buckets;
      const smooth = query.smooth === undefined ? {} : { smooth: query.smooth };
      sendJson(req, res, 200, { rows: answer.rows, x: t.x, monotone: true, ...described(t), ...smooth, buckets });
    },
    query.smooth ?? null,
  );
}

const finite = (v: number | undefined) => (v !== undefined && Number.isFinite(v) ? v : null);

/** `/api/point?agg=mean`: the first step at or after `at` (else the last), with the mean, band and count there. */
export function aggPoint(ctx: ApiContext, q: URLSearchParams, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const at = atParam(q);
  return ctx.merges.with(ctx.catalog, q, async (t) => {
    const rows = t.merged.rows;
    if (rows === 0) return sendJson(req, res, 200, { row: null, ...described(t) });
    const [r0] = await rowRange(mergedSource(t), rows, { buckets: 1, from: at }, t.merged.pyramids);
    const row = Math.min(r0, rows - 1);
    const r = t.merged.read(row, row + 1);
    sendJson(req, res, 200, {
      row,
      step: r.step[0],
      value: jsonable(r.mean[0]),
      lo: finite(r.lo[0]),
      hi: finite(r.hi[0]),
      count: r.count[0],
      ...described(t),
    });
  });
}
