// Building the page: every name and attribute from a file goes in as text, never as HTML.

/**
 * An element with attributes and children; strings become text nodes, `text` sets textContent.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, string | number | boolean | undefined>} [props]
 * @param {(Node | string | null)[]} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === false) continue;
    if (k === "text") node.textContent = String(v);
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) if (c !== null) node.append(typeof c === "string" ? document.createTextNode(c) : c);
  return node;
}

/** Ten colours told apart easily (Tableau 10), as hues with saturation and lightness. */
const PALETTE = [
  [206, 58, 42],
  [28, 85, 52],
  [359, 70, 55],
  [177, 36, 53],
  [115, 44, 42],
  [48, 78, 52],
  [300, 25, 52],
  [352, 84, 78],
  [22, 28, 42],
  [20, 5, 70],
];

/** @type {Map<string, number>} palette index per run id, from {@link assignRunColors} */
const assigned = new Map();

/** @param {string} id */
function hashOf(id) {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/**
 * Give the runs (in list order) colours of their own while there are colours left: each takes
 * the one its id's hash picks, or the next free one, so a run keeps its colour across reloads
 * unless an earlier run took it.
 * @param {string[]} ids
 */
export function assignRunColors(ids) {
  assigned.clear();
  /** @type {Set<number>} */
  const taken = new Set();
  for (const id of ids) {
    let k = hashOf(id) % PALETTE.length;
    for (let tries = 0; taken.has(k) && tries < PALETTE.length; tries++) k = (k + 1) % PALETTE.length;
    if (taken.size === PALETTE.length) taken.clear(); // more runs than colours: start sharing
    taken.add(k);
    assigned.set(id, k);
  }
}

/**
 * A stable colour per run id (see {@link assignRunColors}).
 * @param {string} id
 * @param {number} [alpha]
 */
export function runColor(id, alpha = 1) {
  const [hue, sat, light] = paletteOf(id);
  return `hsla(${hue}, ${sat}%, ${light}%, ${alpha})`;
}

/** @param {string} id */
function paletteOf(id) {
  return PALETTE[assigned.get(id) ?? hashOf(id) % PALETTE.length];
}

/**
 * Writer `k` of `n` in a run: the run's hue, lighter or darker by writer, paler than the run's
 * own colour (which the mean across writers keeps).
 * @param {string} id
 * @param {number} k
 * @param {number} n
 * @param {number} [alpha]
 */
export function writerColor(id, k, n, alpha = 1) {
  const [hue, sat, light] = paletteOf(id);
  const shade = n <= 1 ? 0 : k / (n - 1) - 0.5; // -0.5 … 0.5
  const l = Math.max(20, Math.min(85, light + 10 + shade * 40));
  return `hsla(${hue}, ${Math.round(sat * 0.7)}%, ${Math.round(l)}%, ${alpha})`;
}

/**
 * "3 s", "4 min", "2 h", "5 d".
 * @param {number} ms
 */
export function age(ms) {
  const s = Math.max(0, ms / 1000);
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} d`;
}

/**
 * Save a blob as a download.
 * @param {Blob} blob
 * @param {string} name
 */
export function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = el("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * Runs an async draw when asked, one at a time: asking during a draw runs it once more after,
 * so the last request is always drawn and requests never pile up.
 */
export class Redraw {
  #busy = false;
  #again = false;

  /**
   * @param {() => Promise<void>} draw
   * @param {(message: string) => void} fail shows why a draw failed
   */
  constructor(draw, fail) {
    this.draw = draw;
    this.fail = fail;
  }

  request() {
    if (this.#busy) {
      this.#again = true;
      return;
    }
    this.#busy = true;
    this.draw()
      .catch((err) => this.fail(String(err instanceof Error ? err.message : err)))
      .finally(() => {
        this.#busy = false;
        if (this.#again) {
          this.#again = false;
          this.request();
        }
      });
  }
}
