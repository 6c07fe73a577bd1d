// One chart card: a series of numbers, every visible run that has it overlaid in the run's
// colour; in a run folder, each writer in a shade of it and the mean across writers in the
// run's colour over its min–max band. Data are the server's M4 buckets (exact min/max per
// pixel column; the band's exact extremes), drawn by uPlot;
// with smoothing, the server's smoothed buckets (computed on every row) over the faint raw
// ones. Drag zooms (the server is asked again for the new range), double-click resets; NaN
// and ±Inf are counted in the card's header and marked by triangles on the chart's edges.
import { apiUrl, get } from "./api.js";
import { download, el, Redraw } from "./dom.js";
import { describePoint, formatX, Tooltip } from "./tooltip.js";
import { drawn, uPlot } from "./uplot.js";

/** @typedef {import("./types.js").UPlot} UPlot */
/** @typedef {import("./types.js").AlignedData} AlignedData */
/** @typedef {import("./types.js").Buckets} Buckets */
/** @typedef {import("./types.js").ChartHost} ChartHost */
/** @typedef {import("./types.js").SeriesAnswer} SeriesAnswer */
/** @typedef {import("./types.js").SeriesInfo} SeriesInfo */
/** @typedef {import("./types.js").Settings} Settings */
/** @typedef {import("./types.js").XMode} XMode */
/** @typedef {import("./types.js").Source} Source */
/** @typedef {import("./types.js").UPlotSeries} UPlotSeries */
/** @typedef {{ source: Source, x: XMode, offset: number }} Plan how one source's series is asked for; offset is subtracted from x (relative time) */
/** @typedef {{ plan: Plan, raw: SeriesAnswer, smoothed: SeriesAnswer | null }} Answer */

/**
 * The x a series is drawn against: the one asked for when it has it, else the row index.
 * @param {Settings} settings
 * @param {SeriesInfo} info
 * @returns {{ x: XMode, relative: boolean }}
 */
export function planX(settings, info) {
  const want = settings.x;
  if ((want === "auto" || want === "step") && info.hasStep) return { x: "step", relative: false };
  if ((want === "auto" || want === "time" || want === "relative") && info.hasTime) return { x: "time", relative: want === "relative" };
  return { x: "row", relative: false };
}

/**
 * M4 buckets as points: first, min, max, last of each bucket (min and max mid-bucket); a
 * bucket with no finite value is a gap (null), and so is a value ≤ 0 on a log scale.
 * @param {Buckets} b
 * @param {number} offset
 * @param {boolean} log
 * @returns {[number[], (number | null)[]]}
 */
export function bucketPoints(b, offset, log) {
  /** @type {number[]} */
  const xs = [];
  /** @type {(number | null)[]} */
  const ys = [];
  /** @param {number | null | undefined} v */
  const y = (v) => (v === null || v === undefined || (log && v <= 0) ? null : v);
  for (let i = 0; i < b.x0.length; i++) {
    const x0 = b.x0[i] - offset;
    const x1 = b.x1[i] - offset;
    if (b.count[i] === 0) {
      xs.push(x0);
      ys.push(null);
    } else if (x0 === x1 || b.count[i] === 1) {
      xs.push(x0);
      ys.push(y(b.first[i]));
    } else {
      const xm = (x0 + x1) / 2;
      xs.push(x0, xm, xm, x1);
      ys.push(y(b.first[i]), y(b.min[i]), y(b.max[i]), y(b.last[i]));
    }
  }
  return [xs, ys];
}

/**
 * The min–max band of the mean across writers: the bucket's lowest and highest value of any
 * writer, held from its first x to its last; a bucket with none is a gap.
 * @param {Buckets} b
 * @param {boolean} log
 * @returns {[number[], (number | null)[], (number | null)[]]}
 */
export function bandPoints(b, log) {
  /** @type {number[]} */
  const xs = [];
  /** @type {(number | null)[]} */
  const his = [];
  /** @type {(number | null)[]} */
  const los = [];
  /** @param {number | null | undefined} v */
  const y = (v) => (v === null || v === undefined || (log && v <= 0) ? null : v);
  for (let i = 0; i < b.x0.length; i++) {
    const lo = y(b.lo?.[i]);
    const hi = y(b.hi?.[i]);
    const gap = lo === null || hi === null;
    xs.push(b.x0[i]);
    his.push(gap ? null : hi);
    los.push(gap ? null : lo);
    if (b.x1[i] !== b.x0[i]) {
      xs.push(b.x1[i]);
      his.push(gap ? null : hi);
      los.push(gap ? null : lo);
    }
  }
  return [xs, his, los];
}

/**
 * The lines one plan draws, in order: a mean's band edges (upper, lower), then the raw values
 * (faint under a smoothed line), then the smoothed line.
 * @param {Plan} plan
 * @param {boolean} smoothed
 * @returns {UPlotSeries[]}
 */
function linesOf(plan, smoothed) {
  const { label, color, agg } = plan.source;
  /** @type {UPlotSeries[]} */
  const lines = [];
  const edge = { stroke: color(0.35), width: 0.5, spanGaps: false, points: { show: false } };
  if (agg) lines.push({ label: `${label} max`, ...edge }, { label: `${label} min`, ...edge });
  lines.push({ label, stroke: color(smoothed ? 0.25 : 1), width: agg ? 2 : 1, spanGaps: false, points: { show: false } });
  if (smoothed)
    lines.push({ label: `${label} (smoothed)`, stroke: color(), width: agg ? 2.5 : 1.5, spanGaps: false, points: { show: false } });
  return lines;
}

export class ScalarChart {
  #badge = el("span", { class: "badge" });
  #links = el("span", { class: "links" });
  #body = el("div", { class: "plot" });
  #tooltip = new Tooltip();
  /** @type {UPlot | null} */
  #plot = null;
  #plotKey = "";
  /** @type {{ from: number, to: number } | null} the zoomed x range, in displayed units */
  #zoom = null;
  #visible = false;
  #redraw = new Redraw(
    () => this.#draw(),
    (message) => {
      this.#plot?.destroy();
      this.#plot = null;
      this.#plotKey = "";
      this.#body.replaceChildren(el("p", { class: "error", text: message }));
    },
  );
  /** @type {Plan[]} */
  #plans = [];
  /** Means across writers left out: they are by step (or row), the chart is by another x. */
  #meansLeftOut = 0;
  /** @type {Answer[]} */
  #answers = [];

  /**
   * @param {string} name
   * @param {ChartHost} host
   */
  constructor(name, host) {
    this.name = name;
    this.host = host;
    const png = el("button", { type: "button", title: "save the chart as PNG", text: "PNG" });
    png.addEventListener("click", () => this.#png());
    this.root = el(
      "article",
      { class: "card", "data-series": name },
      el("header", {}, el("h3", { text: name }), this.#badge, this.#links, png),
      this.#body,
    );
  }

  /** @param {boolean} visible */
  setVisible(visible) {
    const was = this.#visible;
    this.#visible = visible;
    if (visible && !was) this.refresh();
  }

  /** Settings changed: unzoom, and build the plot again on the next draw. */
  reset() {
    this.#zoom = null;
    this.#plotKey = "";
    this.refresh();
  }

  /** Whether the chart shows the latest rows (not zoomed into the past): new rows redraw it. */
  get followsEnd() {
    return this.#zoom === null;
  }

  /** Fetch and draw again when visible (see Redraw). */
  refresh() {
    if (this.#visible) this.#redraw.request();
  }

  async #draw() {
    const { settings } = this.host;
    const planned = await Promise.all(
      this.host.runsWith(this.name).map(async (source) => {
        const { x, relative } = planX(settings, source.info);
        // The server merges writers on their steps, or on row indexes when none has steps.
        if (source.agg) return x === (source.info.hasStep ? "step" : "row") ? { source, x, offset: 0 } : null;
        return { source, x, offset: relative ? await this.host.startTime(source) : 0 };
      }),
    );
    this.#plans = planned.filter((p) => p !== null);
    this.#meansLeftOut = planned.length - this.#plans.length;
    const width = Math.max(200, Math.floor(this.#body.clientWidth || 600));
    const smooth = settings.smooth > 0 ? settings.smooth : undefined;
    const zoom = this.#zoom;
    /** @type {Answer[]} */
    const answers = await Promise.all(
      this.#plans.map(async (plan) => {
        const { source } = plan;
        const q = {
          run: source.run.id,
          name: this.name,
          buckets: width,
          x: plan.x,
          writer: source.writer ?? undefined,
          agg: source.agg ? "mean" : undefined,
          ...(zoom ? { from: zoom.from + plan.offset, to: zoom.to + plan.offset } : {}),
        };
        const [raw, smoothed] = await Promise.all([
          get(`/api/series`, q),
          smooth === undefined ? Promise.resolve(null) : get("/api/series", { ...q, smooth }),
        ]);
        return { plan, raw: /** @type {SeriesAnswer} */ (raw), smoothed: /** @type {SeriesAnswer | null} */ (smoothed) };
      }),
    );
    this.#answers = answers;
    const tables = answers.map(({ plan, raw, smoothed }) => {
      /** @type {AlignedData[]} */
      const parts = [];
      if (plan.source.agg) parts.push(/** @type {AlignedData} */ (bandPoints(raw.buckets, settings.log)));
      parts.push(/** @type {AlignedData} */ (bucketPoints(raw.buckets, plan.offset, settings.log)));
      if (smoothed) parts.push(/** @type {AlignedData} */ (bucketPoints(smoothed.buckets, plan.offset, settings.log)));
      // Raw, smoothed and band points can differ in x (block edges): joined, each keeps its own points.
      return parts.length === 1
        ? parts[0]
        : uPlot.join(
            parts,
            parts.map((t) => t.slice(1).map(() => /** @type {const} */ (1))),
          );
    });
    const data =
      tables.length > 0
        ? uPlot.join(
            tables,
            tables.map((t) => t.slice(1).map(() => /** @type {const} */ (1))),
          )
        : /** @type {AlignedData} */ ([[]]);
    const modes = [...new Set(this.#plans.map((p) => `${p.x}${p.offset ? "-relative" : ""}`))];
    const key = `${modes.join()}|${settings.log}|${smooth}|${this.#plans.map((p) => p.source.key).join()}`;
    if (!this.#plot || key !== this.#plotKey) this.#build(key, data, width, smooth !== undefined);
    else this.#plot.setData(data, zoom === null);
    if (zoom && this.#plot) this.#plot.setScale("x", { min: zoom.from, max: zoom.to });
    this.#updateBadge(answers.map((a) => a.raw.buckets));
    this.#updateLinks();
    for (const { plan, raw } of answers)
      drawn.draws.push({
        run: plan.source.run.id,
        writer: plan.source.writer,
        agg: plan.source.agg,
        name: this.name,
        rows: raw.rows,
        last: raw.buckets.last.at(-1) ?? null,
        lo: raw.buckets.lo ?? null,
        hi: raw.buckets.hi ?? null,
        at: Date.now(),
      });
  }

  /**
   * @param {string} key
   * @param {AlignedData} data
   * @param {number} width
   * @param {boolean} smoothed
   */
  #build(key, data, width, smoothed) {
    this.#plot?.destroy();
    this.#plotKey = key;
    const first = this.#plans[0];
    /** @type {UPlotSeries[]} */
    const series = [{ label: first ? formatX(first.x, first.offset !== 0) : "row" }];
    /** @type {import("uplot").Band[]} */
    const bands = [];
    for (const plan of this.#plans) {
      if (plan.source.agg) bands.push({ series: [series.length, series.length + 1], fill: plan.source.color(0.15) });
      series.push(...linesOf(plan, smoothed));
    }
    /** @type {import("./types.js").UPlotOptions} */
    const opts = {
      width,
      height: 220,
      legend: { show: false },
      scales: { x: { time: first?.x === "time" && first.offset === 0 }, y: { distr: this.host.settings.log ? 3 : 1 } },
      series,
      bands,
      axes: [{ stroke: "#555" }, { stroke: "#555", size: 64 }],
      cursor: {
        sync: { key: "h5logger-view" },
        drag: { x: true, y: false, setScale: false },
        bind: {
          dblclick: () => () => {
            this.#zoom = null;
            this.refresh();
            return null;
          },
        },
      },
      hooks: {
        setSelect: [(u) => this.#select(u)],
        setCursor: [(u) => this.#tooltip.move(u, (x) => this.#describe(x))],
        draw: [(u) => this.#markers(u)],
      },
    };
    this.#body.replaceChildren();
    this.#plot = new uPlot(opts, data, this.#body);
    this.#tooltip.attach(this.#plot);
  }

  /** A drag selected an x range: ask the server for that range. @param {UPlot} u */
  #select(u) {
    if (u.select.width < 3) return;
    const from = u.posToVal(u.select.left, "x");
    const to = u.posToVal(u.select.left + u.select.width, "x");
    u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
    this.#zoom = { from, to };
    this.refresh();
  }

  /** Tooltip lines at display x: the exact row of each run there. @param {number} x */
  async #describe(x) {
    return Promise.all(
      this.#plans.map(async (p) => {
        /** @type {import("./types.js").Point} */
        const point = await get("/api/point", {
          run: p.source.run.id,
          name: this.name,
          x: p.x,
          at: x + p.offset,
          writer: p.source.writer ?? undefined,
          agg: p.source.agg ? "mean" : undefined,
        });
        return `${p.source.label}: ${describePoint(point)}`;
      }),
    );
  }

  /** Non-finite values: a triangle at the top (NaN, +Inf) or bottom (−Inf) of each bucket that has them. @param {UPlot} u */
  #markers(u) {
    const ctx = u.ctx;
    const { top, height } = u.bbox;
    const px = devicePixelRatio;
    for (const { plan, raw } of this.#answers) {
      const b = raw.buckets;
      ctx.fillStyle = plan.source.color();
      for (let i = 0; i < b.x0.length; i++) {
        const up = b.nan[i] + b.posInf[i];
        const down = b.negInf[i];
        if (up === 0 && down === 0) continue;
        const x = u.valToPos((b.x0[i] + b.x1[i]) / 2 - plan.offset, "x", true);
        /** @param {number} y @param {number} dir */
        const tri = (y, dir) => {
          ctx.beginPath();
          ctx.moveTo(x - 4 * px, y);
          ctx.lineTo(x + 4 * px, y);
          ctx.lineTo(x, y + dir * 7 * px);
          ctx.fill();
        };
        if (up > 0) tri(top, 1);
        if (down > 0) tri(top + height, -1);
      }
    }
  }

  /** @param {Buckets[]} all */
  #updateBadge(all) {
    let nan = 0;
    let pos = 0;
    let neg = 0;
    for (const b of all)
      for (let i = 0; i < b.x0.length; i++) {
        nan += b.nan[i];
        pos += b.posInf[i];
        neg += b.negInf[i];
      }
    const parts = [nan ? `NaN ${nan}` : "", pos ? `+Inf ${pos}` : "", neg ? `−Inf ${neg}` : ""].filter(Boolean);
    const note = this.#meansLeftOut ? "mean by step only" : "";
    this.#badge.textContent = [...parts, note].filter(Boolean).join(" · ");
    this.#badge.title = [
      parts.length ? "non-finite values in view, marked by triangles at the chart's edge" : "",
      note ? "the mean across writers is drawn against steps (or rows when no writer has steps): choose that x" : "",
    ]
      .filter(Boolean)
      .join("; ");
  }

  #updateLinks() {
    const zoom = this.#zoom;
    const links = this.#plans.map((p) => {
      const href = apiUrl("/api/csv", {
        run: p.source.run.id,
        name: this.name,
        x: p.x,
        writer: p.source.writer ?? undefined,
        agg: p.source.agg ? "mean" : undefined,
        ...(zoom ? { from: zoom.from + p.offset, to: zoom.to + p.offset } : {}),
      });
      return el("a", {
        href,
        download: "",
        title: `${p.source.agg ? "the mean, min, max and count at each step" : "rows"} of ${p.source.label} in view, as CSV`,
        text: this.#plans.length > 1 ? p.source.label : "CSV",
      });
    });
    // Several sources: their links in a menu, not a row that crowds the header.
    const menu = el("details", { class: "csv-menu" }, el("summary", { text: "CSV" }), el("div", { class: "csv-list" }, ...links));
    this.#links.replaceChildren(...(links.length > 1 ? [menu] : links));
  }

  #png() {
    this.#plot?.ctx.canvas.toBlob((blob) => blob && download(blob, `${this.name.replaceAll("/", "_")}.png`));
  }

  destroy() {
    this.#plot?.destroy();
    this.#plot = null;
  }
}
