// One chart card: a series of numbers, every visible run that has it overlaid in the run's
// colour. Data are the server's M4 buckets (exact min/max per pixel column), drawn by uPlot;
// with smoothing, the server's smoothed buckets (computed on every row) over the faint raw
// ones. Drag zooms (the server is asked again for the new range), double-click resets; NaN
// and ±Inf are counted in the card's header and marked by triangles on the chart's edges.
import { apiUrl, get } from "./api.js";
import { download, el, Redraw, runColor } from "./dom.js";
import { describePoint, formatX, Tooltip } from "./tooltip.js";
import { drawn, uPlot } from "./uplot.js";

/** @typedef {import("./types.js").UPlot} UPlot */
/** @typedef {import("./types.js").AlignedData} AlignedData */
/** @typedef {import("./types.js").Buckets} Buckets */
/** @typedef {import("./types.js").ChartHost} ChartHost */
/** @typedef {import("./types.js").RunInfo} RunInfo */
/** @typedef {import("./types.js").SeriesAnswer} SeriesAnswer */
/** @typedef {import("./types.js").SeriesInfo} SeriesInfo */
/** @typedef {import("./types.js").Settings} Settings */
/** @typedef {import("./types.js").XMode} XMode */
/** @typedef {{ run: RunInfo, info: SeriesInfo, x: XMode, offset: number }} Plan how one run's series is asked for; offset is subtracted from x (relative time) */
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
    this.#plans = await Promise.all(
      this.host.runsWith(this.name).map(async ({ run, info }) => {
        const { x, relative } = planX(settings, info);
        return { run, info, x, offset: relative ? await this.host.startTime(run.id, info.name) : 0 };
      }),
    );
    const width = Math.max(200, Math.floor(this.#body.clientWidth || 600));
    const smooth = settings.smooth > 0 ? settings.smooth : undefined;
    const zoom = this.#zoom;
    /** @type {Answer[]} */
    const answers = await Promise.all(
      this.#plans.map(async (plan) => {
        const q = {
          run: plan.run.id,
          name: this.name,
          buckets: width,
          x: plan.x,
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
      const rawPoints = /** @type {AlignedData} */ (bucketPoints(raw.buckets, plan.offset, settings.log));
      if (!smoothed) return rawPoints;
      // Raw and smoothed buckets can differ in x (block edges): joined, each keeps its own points.
      return uPlot.join([rawPoints, /** @type {AlignedData} */ (bucketPoints(smoothed.buckets, plan.offset, settings.log))], [[1], [1]]);
    });
    const data =
      tables.length > 0
        ? uPlot.join(
            tables,
            tables.map((t) => t.slice(1).map(() => /** @type {const} */ (1))),
          )
        : /** @type {AlignedData} */ ([[]]);
    const modes = [...new Set(this.#plans.map((p) => `${p.x}${p.offset ? "-relative" : ""}`))];
    const key = `${modes.join()}|${settings.log}|${smooth}|${this.#plans.map((p) => p.run.id).join()}`;
    if (!this.#plot || key !== this.#plotKey) this.#build(key, data, width, smooth !== undefined);
    else this.#plot.setData(data, zoom === null);
    if (zoom && this.#plot) this.#plot.setScale("x", { min: zoom.from, max: zoom.to });
    this.#updateBadge(answers.map((a) => a.raw.buckets));
    this.#updateLinks();
    for (const { plan, raw } of answers)
      drawn.draws.push({ run: plan.run.id, name: this.name, rows: raw.rows, last: raw.buckets.last.at(-1) ?? null, at: Date.now() });
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
    /** @type {import("./types.js").UPlotSeries[]} */
    const series = [{ label: first ? formatX(first.x, first.offset !== 0) : "row" }];
    for (const plan of this.#plans) {
      const color = runColor(plan.run.id);
      series.push({
        label: plan.run.name,
        stroke: smoothed ? runColor(plan.run.id, 0.25) : color,
        width: 1,
        spanGaps: false,
        points: { show: false },
      });
      if (smoothed)
        series.push({ label: `${plan.run.name} (smoothed)`, stroke: color, width: 1.5, spanGaps: false, points: { show: false } });
    }
    /** @type {import("./types.js").UPlotOptions} */
    const opts = {
      width,
      height: 220,
      legend: { show: false },
      scales: { x: { time: first?.x === "time" && first.offset === 0 }, y: { distr: this.host.settings.log ? 3 : 1 } },
      series,
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
        const point = await get("/api/point", { run: p.run.id, name: this.name, x: p.x, at: x + p.offset });
        return `${p.run.name}: ${describePoint(point)}`;
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
      ctx.fillStyle = runColor(plan.run.id);
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
    this.#badge.textContent = parts.join(" · ");
    this.#badge.title = parts.length ? "non-finite values in view, marked by triangles at the chart's edge" : "";
  }

  #updateLinks() {
    const zoom = this.#zoom;
    const links = this.#plans.map((p) => {
      const href = apiUrl("/api/csv", {
        run: p.run.id,
        name: this.name,
        x: p.x,
        ...(zoom ? { from: zoom.from + p.offset, to: zoom.to + p.offset } : {}),
      });
      return el("a", {
        href,
        download: "",
        title: `rows of ${p.run.name} in view, as CSV`,
        text: this.#plans.length > 1 ? `CSV ${p.run.name}` : "CSV",
      });
    });
    this.#links.replaceChildren(...links);
  }

  #png() {
    this.#plot?.ctx.canvas.toBlob((blob) => blob && download(blob, `${this.name.replaceAll("/", "_")}.png`));
  }

  destroy() {
    this.#plot?.destroy();
    this.#plot = null;
  }
}
