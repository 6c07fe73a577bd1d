// The tooltip under the synced crosshair: the x at the cursor at once, then, once the
// cursor rests, each run's exact row there (row, step, value, time) from /api/point.
import { el } from "./dom.js";

/** @typedef {import("./types.js").UPlot} UPlot */
/** @typedef {import("./types.js").Point} Point */
/** @typedef {import("./types.js").XMode} XMode */

/** Pause of the cursor before the exact rows are asked for, in ms. */
const REST_MS = 120;

/**
 * @param {XMode} x
 * @param {boolean} relative
 */
export function formatX(x, relative) {
  return x === "time" ? (relative ? "seconds since start" : "time") : x;
}

/** @param {unknown} v */
export function formatValue(v) {
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : v.toPrecision(6).replace(/\.?0+(e|$)/, "$1");
  return String(v);
}

/** @param {Point} p */
export function describePoint(p) {
  if (p.row === null) return "no rows";
  if (p.count !== undefined) {
    // The mean across writers at one step.
    const band = p.lo === null || p.lo === undefined ? "" : ` · min ${formatValue(p.lo)} · max ${formatValue(p.hi)}`;
    return `${p.step === null ? "" : `step ${p.step} · `}mean ${formatValue(p.value)}${band} · ${p.count} values`;
  }
  const parts = [`row ${p.row}`];
  if (p.step !== null) parts.push(`step ${p.step}`);
  parts.push(`value ${formatValue(p.value)}`);
  if (p.time !== null && p.time !== undefined) parts.push(new Date(p.time * 1000).toISOString().replace("T", " ").replace("Z", ""));
  return parts.join(" · ");
}

export class Tooltip {
  #box = el("div", { class: "tooltip", hidden: true });
  /** @type {ReturnType<typeof setTimeout> | null} */
  #timer = null;
  #asked = 0;
  /** Whether the pointer is over this chart: synced charts show the crosshair, only this one asks for rows. */
  #hovered = false;

  /** After a new plot is built: the tooltip lives in its overlay. @param {UPlot} u */
  attach(u) {
    u.over.append(this.#box);
    u.over.addEventListener("mouseenter", () => {
      this.#hovered = true;
    });
    u.over.addEventListener("mouseleave", () => {
      this.#hovered = false;
      this.#box.hidden = true;
    });
  }

  /**
   * @param {UPlot} u
   * @param {(x: number) => Promise<string[]>} describe
   */
  move(u, describe) {
    const { left, top } = u.cursor;
    if (!this.#hovered || left === undefined || left < 0 || top === undefined) {
      this.#box.hidden = true;
      return;
    }
    const x = u.posToVal(left, "x");
    this.#box.replaceChildren(el("div", { class: "x", text: `x = ${formatValue(x)}` }));
    this.#box.hidden = false;
    this.#box.style.left = `${Math.min(left + 12, Math.max(0, u.over.clientWidth - 260))}px`;
    this.#box.style.top = `${Math.max(0, top - 10)}px`;
    if (this.#timer) clearTimeout(this.#timer);
    const ticket = ++this.#asked;
    this.#timer = setTimeout(() => {
      describe(x).then(
        (lines) => {
          if (ticket === this.#asked) this.#box.append(...lines.map((line) => el("div", { text: line })));
        },
        () => {},
      );
    }, REST_MS);
  }
}
