// The viewer page: the run list (colour, on/off, live marker and age, attributes, a run
// folder's writers), filters and settings, and one card per series name grouped by HDF5 group. Cards are drawn when
// they scroll into view, so a thousand series stay responsive. The server pushes changes
// (/api/events): new rows redraw the cards that show the latest rows; new runs and series appear.
import { get } from "./api.js";
import { ArrayCard } from "./arrays.js";
import { ScalarChart } from "./chart.js";
import { age, assignRunColors, el, runColor, writerColor } from "./dom.js";
import { drawn } from "./uplot.js";

/** @typedef {import("./types.js").RunInfo} RunInfo */
/** @typedef {import("./types.js").SeriesInfo} SeriesInfo */
/** @typedef {import("./types.js").Settings} Settings */
/** @typedef {import("./types.js").Source} Source */
/** @typedef {ScalarChart | ArrayCard} Card */

/** @template {HTMLElement} T @param {string} id @returns {T} */
const $ = (id) => /** @type {T} */ (document.getElementById(id));

/** @type {Settings} */
const settings = { x: "auto", log: false, smooth: 0.6, writers: "both" };
/** @type {RunInfo[]} */
let runs = [];
/** @type {Set<string>} runs switched off */
const hidden = new Set();
/** @type {Map<string, Card>} */
const cards = new Map();
/** @type {Map<string, Promise<number>>} */
const startTimes = new Map();

/** @param {SeriesInfo} s */
const isScalar = (s) => s.shape.length === 0 && s.dtype !== null && s.dtype !== "string";

/** The filter typed in an input, or null; a malformed one is marked and ignored. @param {string} id */
function regex(id) {
  const input = /** @type {HTMLInputElement} */ ($(id));
  input.classList.remove("bad");
  try {
    return input.value ? new RegExp(input.value, "i") : null;
  } catch {
    input.classList.add("bad");
    return null;
  }
}

function visibleRuns() {
  const re = regex("run-filter");
  return runs.filter((r) => !hidden.has(r.id) && (!re || re.test(r.name)));
}

/**
 * What draws series `name`: each visible run of one file that has it; in a run folder, each
 * writer that has it and, where two or more do, the mean across them (as `writers` asks).
 * @param {string} name
 * @param {Settings["writers"]} writers
 * @returns {Source[]}
 */
function sourcesOf(name, writers) {
  return visibleRuns().flatMap((run) => {
    const info = run.series.find((s) => s.name === name);
    if (!info) return [];
    /** @type {Source} */
    const whole = { run, info, writer: null, agg: false, key: run.id, label: run.name, color: (a) => runColor(run.id, a) };
    if (!run.writers) return [whole];
    const having = run.writers.flatMap((w) => {
      const own = w.series.find((s) => s.name === name);
      return own ? [{ writer: w.name, own }] : [];
    });
    const several = having.length > 1;
    /** @type {Source[]} */
    const out = [];
    if (writers !== "mean" || !several)
      having.forEach(({ writer, own }, k) => {
        out.push({
          run,
          info: own,
          writer,
          agg: false,
          key: `${run.id}/${writer}`,
          label: `${run.name}/${writer}`,
          color: several ? (a) => writerColor(run.id, k, having.length, a) : (a) => runColor(run.id, a),
        });
      });
    if (writers !== "each" && several) out.push({ ...whole, agg: true, key: `${run.id}/mean`, label: `${run.name} mean` });
    return out;
  });
}

/** @type {import("./types.js").ChartHost} */
const host = {
  settings,
  runsWith: (name) => sourcesOf(name, settings.writers),
  startTime(source) {
    let t = startTimes.get(source.key);
    if (!t) {
      const q = { run: source.run.id, name: source.info.name, writer: source.writer ?? undefined, x: "row", at: 0 };
      t = get("/api/point", q).then((p) => /** @type {import("./types.js").Point} */ (p).time ?? 0);
      startTimes.set(source.key, t);
    }
    return t;
  },
};

const observer = new IntersectionObserver(
  (entries) => {
    for (const e of entries) cards.get(/** @type {HTMLElement} */ (e.target).dataset.series ?? "")?.setVisible(e.isIntersecting);
  },
  { rootMargin: "300px" },
);

/** Why a run or writer cannot be read, or whether it is written (with the age of its last change). @param {RunInfo | import("./types.js").WriterInfo} item */
function statusOf(item) {
  if (item.error) return el("span", { class: "status error", text: item.error });
  return el("span", {
    class: item.live ? "status live" : "status closed",
    "data-updated": item.updated,
    text: item.live ? `live · ${age(Date.now() - item.updated)}` : "closed",
  });
}

function renderRuns() {
  assignRunColors(runs.map((r) => r.id));
  const items = runs.map((run) => {
    const box = el("input", { type: "checkbox", checked: !hidden.has(run.id), "aria-label": `show ${run.name}` });
    box.addEventListener("change", () => {
      if (box.checked) hidden.delete(run.id);
      else hidden.add(run.id);
      renderCards(true);
    });
    const swatch = el("span", { class: "swatch" });
    swatch.style.background = runColor(run.id);
    const name = el("button", { type: "button", class: "run-name", text: run.name, title: "show this run's attributes" });
    name.addEventListener("click", () => showAttrs(run));
    const status = statusOf(run);
    const writers = run.writers?.length
      ? el(
          "ul",
          { class: "writers" },
          ...run.writers.map((w, k, all) => {
            const dot = el("span", { class: "swatch" });
            dot.style.background = writerColor(run.id, k, all.length);
            return el("li", { "data-writer": w.name }, dot, el("span", { class: "writer-name", text: w.name }), statusOf(w));
          }),
        )
      : null;
    return el("li", { "data-run": run.id }, box, swatch, name, status, writers);
  });
  $("runs").replaceChildren(...items);
}

/** @param {RunInfo} run */
async function showAttrs(run) {
  const panel = $("attrs");
  panel.replaceChildren(el("h2", { text: run.name }), el("p", { text: "loading…" }));
  /** @type {{ attrs: Record<string, unknown>, error: string | null }} */
  const info = await get("/api/run", { run: run.id });
  const rows = Object.entries(info.attrs).map(([k, v]) =>
    el("tr", {}, el("th", { text: k }), el("td", { text: typeof v === "string" ? v : JSON.stringify(v) })),
  );
  const body = info.error
    ? el("p", { class: "error", text: info.error })
    : rows.length
      ? el("table", {}, ...rows)
      : el("p", { text: "no attributes" });
  panel.replaceChildren(el("h2", { text: run.name }), body);
}

/** Cards for every series name of the visible runs that passes the filter, grouped by HDF5 group. @param {boolean} [rebuild] */
function renderCards(rebuild = false) {
  const re = regex("series-filter");
  /** @type {Map<string, SeriesInfo>} */
  const names = new Map();
  for (const run of visibleRuns()) for (const s of run.series) if (!names.has(s.name) && (!re || re.test(s.name))) names.set(s.name, s);
  for (const [name, card] of cards)
    if (!names.has(name)) {
      observer.unobserve(card.root);
      card.destroy();
      cards.delete(name);
    }
  /** @type {Map<string, HTMLElement[]>} */
  const groups = new Map();
  for (const [name, info] of [...names].sort(([a], [b]) => a.localeCompare(b))) {
    let card = cards.get(name);
    if (!card) {
      card = isScalar(info) ? new ScalarChart(name, host) : new ArrayCard(name, (n) => sourcesOf(n, "each"));
      cards.set(name, card);
      observer.observe(card.root);
    } else if (rebuild) card.reset();
    const group = name.includes("/") ? name.slice(0, name.lastIndexOf("/")) : "";
    groups.set(group, [...(groups.get(group) ?? []), card.root]);
  }
  const sections = [...groups].map(([group, roots]) =>
    el(
      "details",
      { open: true, class: "group" },
      el("summary", { text: group ? `${group}/` : "(top level)" }),
      el("div", { class: "grid" }, ...roots),
    ),
  );
  const empty = el("p", { class: "empty", text: runs.length ? "no series match" : "no runs yet" });
  $("cards").replaceChildren(...(sections.length ? sections : [empty]));
}

function connect() {
  const events = new EventSource("/api/events");
  events.addEventListener("runs", (e) => {
    const before = new Map(runs.map((r) => [r.id, r.series.map((s) => s.rows).join()]));
    runs = JSON.parse(e.data).runs;
    renderRuns();
    renderCards();
    for (const r of runs)
      if (before.get(r.id) !== r.series.map((s) => s.rows).join()) for (const s of r.series) cards.get(s.name)?.refresh();
  });
  events.addEventListener("rows", (e) => {
    /** @type {{ run: string, writer?: string, series: { name: string, rows: number }[] }} */
    const change = JSON.parse(e.data);
    const run = runs.find((r) => r.id === change.run);
    if (run) {
      const writer = run.writers?.find((w) => w.name === change.writer);
      for (const s of change.series) {
        const info = (writer ?? run).series.find((i) => i.name === s.name);
        if (info) info.rows = s.rows;
      }
      run.updated = Date.now();
      const item = document.querySelector(`#runs li[data-run="${run.id}"]`);
      const status = item?.querySelector(":scope > .live");
      if (status instanceof HTMLElement) status.dataset.updated = String(run.updated);
      if (writer) {
        writer.updated = run.updated;
        for (const li of item?.querySelectorAll(".writers > li") ?? [])
          if (li instanceof HTMLElement && li.dataset.writer === writer.name) {
            const own = li.querySelector(".live");
            if (own instanceof HTMLElement) own.dataset.updated = String(run.updated);
          }
      }
    }
    for (const s of change.series) {
      const card = cards.get(s.name);
      if (card?.followsEnd) card.refresh();
    }
  });
}

function bindControls() {
  const x = /** @type {HTMLSelectElement} */ ($("x-axis"));
  const y = /** @type {HTMLSelectElement} */ ($("y-scale"));
  const smooth = /** @type {HTMLInputElement} */ ($("smooth"));
  const writers = /** @type {HTMLSelectElement} */ ($("writers"));
  const shown = $("smooth-value");
  x.addEventListener("change", () => {
    settings.x = /** @type {Settings["x"]} */ (x.value);
    renderCards(true);
  });
  y.addEventListener("change", () => {
    settings.log = y.value === "log";
    renderCards(true);
  });
  writers.addEventListener("change", () => {
    settings.writers = /** @type {Settings["writers"]} */ (writers.value);
    renderCards(true);
  });
  smooth.addEventListener("input", () => {
    shown.textContent = Number(smooth.value).toFixed(2);
  });
  smooth.addEventListener("change", () => {
    settings.smooth = Number(smooth.value);
    renderCards(true);
  });
  for (const id of ["series-filter", "run-filter"]) $(id).addEventListener("input", () => renderCards(id === "run-filter"));
  // The ages of live runs tick by themselves.
  setInterval(() => {
    for (const span of document.querySelectorAll("#runs .live"))
      if (span instanceof HTMLElement) span.textContent = `live · ${age(Date.now() - Number(span.dataset.updated))}`;
  }, 1000);
}

async function main() {
  bindControls();
  connect();
  /** @type {{ runs: RunInfo[] }} */
  const answer = await get("/api/runs");
  runs = answer.runs;
  renderRuns();
  renderCards();
  drawn.ready = true;
}

main().catch((err) => $("cards").replaceChildren(el("p", { class: "error", text: String(err) })));
