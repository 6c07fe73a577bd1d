// Cards for series whose rows are not single numbers, one block per visible run (per writer
// in a run folder): 1-D rows
// as a heatmap over rows (and the latest row as a line), 2-D rows and H×W×3 uint8 images as
// the row picked with a slider (the latest while the slider is at its end), strings as a
// timeline of the latest rows.
import { get } from "./api.js";
import { bucketPoints } from "./chart.js";
import { el, Redraw } from "./dom.js";
import { formatValue } from "./tooltip.js";
import { uPlot } from "./uplot.js";

/** @typedef {import("./types.js").UPlot} UPlot */
/** @typedef {import("./types.js").Source} Source */
/** @typedef {import("./types.js").RunsWith} RunsWith */
/** @typedef {[number, number, number]} Rgb */
/** @typedef {{ rows: number, buckets: number, width: number, min: number | null, max: number | null, values: (number | null)[] }} Heatmap */
/** @typedef {{ rows: number, index: number | null, height: number, width: number, rgb: boolean, min: number | null, max: number | null, pixels: (number | null)[] }} Image */

/** @type {Rgb[]} a dark-blue → green → yellow map, like viridis */
const STOPS = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];

/** @param {number} t in [0, 1] @returns {Rgb} */
function colorOf(t) {
  const s = Math.max(0, Math.min(0.9999, t)) * (STOPS.length - 1);
  const i = Math.floor(s);
  const f = s - i;
  const a = STOPS[i];
  const b = STOPS[i + 1];
  return [a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1]), a[2] + f * (b[2] - a[2])];
}

/**
 * Fill a canvas pixel by pixel; null (no finite value) shows magenta.
 * @param {HTMLCanvasElement} canvas
 * @param {number} w
 * @param {number} h
 * @param {(x: number, y: number) => Rgb | null} value
 */
function paint(canvas, w, h, value) {
  canvas.width = w;
  canvas.height = h;
  const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
  const img = ctx.createImageData(w, h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const rgb = value(x, y);
      img.data.set(rgb ? [rgb[0], rgb[1], rgb[2], 255] : [255, 0, 255, 255], (y * w + x) * 4);
    }
  ctx.putImageData(img, 0, 0);
}

export class ArrayCard {
  #body = el("div", { class: "array-body" });
  #visible = false;
  #redraw = new Redraw(
    () => this.#draw(),
    (message) => this.#body.replaceChildren(el("p", { class: "error", text: message })),
  );
  /** @type {Map<string, number | null>} row picked per source for images; null follows the latest */
  #picked = new Map();
  /** @type {UPlot[]} */
  #plots = [];

  /**
   * @param {string} name
   * @param {RunsWith} runsWith
   */
  constructor(name, runsWith) {
    this.name = name;
    this.runsWith = runsWith;
    this.root = el("article", { class: "card", "data-series": name }, el("header", {}, el("h3", { text: name })), this.#body);
  }

  get followsEnd() {
    return true;
  }

  /** @param {boolean} visible */
  setVisible(visible) {
    const was = this.#visible;
    this.#visible = visible;
    if (visible && !was) this.refresh();
  }

  reset() {
    this.refresh();
  }

  refresh() {
    if (this.#visible) this.#redraw.request();
  }

  async #draw() {
    const blocks = await Promise.all(this.runsWith(this.name).map((source) => this.#block(source)));
    for (const p of this.#plots.splice(0)) p.destroy();
    this.#body.replaceChildren(...blocks.map((b) => b.node));
    for (const b of blocks) b.mount?.();
  }

  /**
   * One run's (or writer's) view of the series, and what to do once it is in the page.
   * @param {Source} source
   * @returns {Promise<{ node: HTMLElement, mount?: () => void }>}
   */
  async #block(source) {
    const { info, color } = source;
    const title = el("h4", { text: `${source.label} · ${info.rows} rows · ${info.dtype} [${info.shape.join("×")}]` });
    title.style.color = color();
    const node = el("section", { class: "array-run" }, title);
    const q = { run: source.run.id, name: this.name, writer: source.writer ?? undefined };
    if (info.dtype === "string") {
      /** @type {{ from: number, values: string[], step: number[] | null }} */
      const rows = await get("/api/rows", { ...q, limit: 50 });
      const list = el("ol", { class: "timeline" });
      rows.values.forEach((v, i) => {
        list.append(el("li", {}, el("span", { class: "at", text: rows.step ? `step ${rows.step[i]}` : `row ${rows.from + i}` }), ` ${v}`));
      });
      node.append(list);
      return { node };
    }
    if (info.shape.length === 1) {
      /** @type {Heatmap} */
      const heat = await get("/api/heatmap", { ...q, buckets: 200, width: 256 });
      const canvas = el("canvas", { class: "heatmap", title: "rows (down) × elements (across), mean per cell" });
      const lo = heat.min ?? 0;
      const span = (heat.max ?? 0) - lo || 1;
      paint(canvas, heat.width, heat.buckets, (x, y) => {
        const v = heat.values[y * heat.width + x];
        return v === null || v === undefined ? null : colorOf((v - lo) / span);
      });
      /** @type {{ index: number | null, buckets?: import("./types.js").Buckets }} */
      const last = await get("/api/row", { ...q, buckets: 512 });
      const holder = el("div", { class: "row-plot" });
      node.append(canvas, el("p", { class: "caption", text: `latest row (${last.index})` }), holder);
      const buckets = last.buckets;
      if (!buckets) return { node };
      const mount = () => {
        const data = /** @type {import("./types.js").AlignedData} */ (bucketPoints(buckets, 0, false));
        const width = Math.max(200, holder.clientWidth || 420);
        const opts = {
          width,
          height: 140,
          legend: { show: false },
          scales: { x: { time: false } },
          series: [{}, { stroke: color(), width: 1 }],
        };
        this.#plots.push(new uPlot(opts, data, holder));
      };
      return { node, mount };
    }
    const picked = this.#picked.get(source.key) ?? null;
    /** @type {Image} */
    const img = await get("/api/row", { ...q, ...(picked === null ? {} : { index: picked }) });
    const canvas = el("canvas", { class: "image" });
    const lo = img.min ?? 0;
    const span = (img.max ?? 0) - lo || 1;
    const ch = img.rgb ? 3 : 1;
    paint(canvas, img.width, img.height, (x, y) => {
      const o = (y * img.width + x) * ch;
      if (img.rgb) return [img.pixels[o] ?? 0, img.pixels[o + 1] ?? 0, img.pixels[o + 2] ?? 0];
      const v = img.pixels[o];
      if (v === null || v === undefined) return null;
      const g = (255 * (v - lo)) / span;
      return [g, g, g];
    });
    const slider = el("input", { type: "range", min: 0, max: Math.max(0, img.rows - 1), value: img.index ?? 0, "aria-label": "row" });
    const label = el("span", {
      text: `row ${img.index} of ${img.rows}${img.rgb ? "" : ` · ${formatValue(img.min)} … ${formatValue(img.max)}`}`,
    });
    slider.addEventListener("change", () => {
      const v = Number(slider.value);
      this.#picked.set(source.key, v >= img.rows - 1 ? null : v);
      this.refresh();
    });
    node.append(canvas, el("div", { class: "slider" }, slider, label));
    return { node };
  }

  destroy() {
    for (const p of this.#plots.splice(0)) p.destroy();
  }
}
