/**
 * The live viewer (issue 12). `view`: `/api/series` on a long float64 series (100M rows with
 * `--full`) cold, warm and zoomed, with each answer's size, against one full streaming read
 * of the series by our reader in the same run; flush-to-screen latency measured in the
 * browser (Debian's chromium). `viewmemory`: the server's memory with 1,000 series open and
 * while a file grows. The server runs as `node dist/cli.js view` (built first), in its own process.
 *
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { gunzipSync } from "node:zlib";
import { chromium } from "playwright-core";
import { H5Logger, H5Reader } from "../../src/index.js";
import { CHROMIUM, CHROMIUM_ARGS } from "../../test/helpers/browser.js";
import { CLI, REPO } from "../../test/helpers/paths.js";
import { median, now, type TempDir } from "../measure.js";
import type { Result } from "../result.js";
import type { Sizes } from "../sizes.js";

const compiledChild = (name: string) => path.join(REPO, "build", "bench", "children", `${name}.js`);

interface Server {
  child: ChildProcess;
  base: string;
  cookie: string;
  stop(): Promise<void>;
}

/** Start `h5logger view PATHS --port 0` and wait for its URL. */
async function startServer(paths: string[]): Promise<Server> {
  const child = spawn(process.execPath, [CLI, "view", ...paths, "--port", "0"], { stdio: ["ignore", "pipe", "inherit"] });
  const line = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout?.setEncoding("utf8").on("data", (c: string) => {
      out += c;
      if (out.includes("\n")) resolve(out.split("\n")[0] as string);
    });
    child.on("exit", (code) => reject(new Error(`h5logger view exited (${code})`)));
  });
  const url = new URL(/http:\S+/.exec(line)?.[0] as string);
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGINT");
    await exited;
  };
  return { child, base: url.origin, cookie: `h5logger_view_${url.port}=${url.searchParams.get("token")}`, stop };
}

/** GET with gzip accepted: the parsed JSON and the bytes that crossed the wire. */
function get<T>(server: Server, pathAndQuery: string): Promise<{ body: T; wire: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${server.base}${pathAndQuery}`, { headers: { Cookie: server.cookie, "Accept-Encoding": "gzip" } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const wire = Buffer.concat(chunks);
        const text = res.headers["content-encoding"] === "gzip" ? gunzipSync(wire) : wire;
        if (res.statusCode !== 200) return reject(new Error(`${pathAndQuery}: ${res.statusCode} ${text}`));
        resolve({ body: JSON.parse(text.toString()) as T, wire: wire.length, bytes: text.length });
      });
    });
    req.on("error", reject);
  });
}

/** RSS and peak RSS of a process, in MiB (Linux). */
function rssOf(pid: number): { rss: number; peak: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? Number.NaN) / 1024;
  return { rss: kb("VmRSS"), peak: kb("VmHWM") };
}

interface Runs {
  runs: { id: string; name: string; series: { name: string; rows: number }[] }[];
}

interface Answer {
  rows: number;
  buckets: { max: (number | null)[]; x0: number[] };
}

const timed = async <T>(fn: () => Promise<T>): Promise<[number, T]> => {
  const t0 = now();
  const out = await fn();
  return [now() - t0, out];
};

async function longSeries(rows: number, tmp: TempDir): Promise<Result[]> {
  const file = tmp.file("view-long");
  const spikeAt = Math.floor(rows * 0.37);
  const writer = new H5Logger(file, { replaceIfExists: true });
  for (let i = 0; i < rows; i++) writer.log("loss", i === spikeAt ? 1e9 : Math.sin(i / 1e5));
  writer.close();
  // Baseline: one full streaming read of the series by our reader, in 64K-row chunks.
  const t0 = now();
  const reader = H5Reader.openSync(file);
  const view = reader.get("loss");
  let max = Number.NEGATIVE_INFINITY;
  for (let s = 0; s < rows; s += 65_536) for (const v of view.slice(s, s + 65_536) as Float64Array) if (v > max) max = v;
  reader.close();
  const fullRead = now() - t0;
  if (max !== 1e9) throw new Error("view case: the streaming read missed the spike");

  const server = await startServer([file]);
  try {
    const { body } = await get<Runs>(server, "/api/runs");
    const run = body.runs[0]?.id as string;
    const q = (extra: string) => `/api/series?run=${run}&name=loss&buckets=1000${extra}`;
    const [cold, first] = await timed(() => get<Answer>(server, q("")));
    if (Math.max(...(first.body.buckets.max as number[])) !== 1e9) throw new Error("view case: the spike is not in the zoomed-out answer");
    const warm: number[] = [];
    const sizes = [first];
    for (let i = 0; i < 7; i++) {
      const [ms, answer] = await timed(() => get<Answer>(server, q("")));
      warm.push(ms);
      sizes.push(answer);
    }
    // Zooms: windows from half the series down to 1,000 rows, at spread-out places.
    const zooms: number[] = [];
    let spikeSeen = true;
    for (let i = 0; i < 24; i++) {
      const width = Math.max(1000, Math.floor(rows / 2 / 4 ** (i % 8)));
      const from = Math.floor(((i * 0.618034) % 1) * (rows - width));
      const [ms, answer] = await timed(() => get<Answer>(server, q(`&from=${from}&to=${from + width}`)));
      zooms.push(ms);
      sizes.push(answer);
      if (from <= spikeAt && spikeAt <= from + width) spikeSeen &&= Math.max(...(answer.body.buckets.max as number[])) === 1e9;
    }
    if (!spikeSeen) throw new Error("view case: a zoom over the spike lost it");
    const mem = rssOf(server.child.pid as number);
    const wire = Math.max(...sizes.map((s) => s.wire));
    const bytes = Math.max(...sizes.map((s) => s.bytes));
    const label = `${(rows / 1e6).toLocaleString("en-US")}M-row float64`;
    const warmMs = median(warm);
    const zoomMs = median(zooms);
    return [
      {
        case: `viewer: first /api/series, ${label} (cold)`,
        ours: { value: cold, unit: "ms" },
        baseline: { name: "full streaming read", value: fullRead, unit: "ms" },
        ratio: fullRead / cold,
        target: "≤ 3,000 ms",
        met: cold <= 3000,
        note: "1,000 buckets; builds the block statistics in one streaming pass; the file is in the page cache (just written)",
      },
      {
        case: `viewer: /api/series again (warm), ${label}`,
        ours: { value: warmMs, unit: "ms" },
        baseline: { name: "full streaming read", value: fullRead, unit: "ms" },
        ratio: fullRead / warmMs,
        target: "≤ 300 ms",
        met: warmMs <= 300,
        note: `median of ${warm.length}, max ${Math.max(...warm).toFixed(1)} ms`,
      },
      {
        case: `viewer: zoom, ${label}`,
        ours: { value: zoomMs, unit: "ms" },
        target: "≤ 100 ms",
        met: Math.max(...zooms) <= 100,
        note: `median of ${zooms.length} windows of 1,000 rows to half the series; max ${Math.max(...zooms).toFixed(1)} ms`,
      },
      {
        case: "viewer: largest answer (1,000 buckets)",
        ours: { value: wire / 1024, unit: "KiB" },
        target: "≤ 64 KiB",
        met: wire <= 64 * 1024,
        note: `gzipped on the wire; ${(bytes / 1024).toFixed(0)} KiB as JSON text; server RSS after these ${mem.rss.toFixed(0)} MiB (peak ${mem.peak.toFixed(0)})`,
      },
    ];
  } finally {
    await server.stop();
    tmp.drop(file);
  }
}

/** The page's record of what it drew (`window.__h5view`), as seen from Node's types. */
type PageGlobals = { __h5view: { draws: { name: string; rows: number; at: number }[] } };

/**
 * Flush-to-screen latency: a writer in another process flushes one row every 200 ms; the page
 * records when it drew each row count. Measured once the page has drawn the series (its own
 * loading is not a live update), for `seconds`.
 */
async function latency(mode: "swmr" | "plain", seconds: number, tmp: TempDir): Promise<Result> {
  const dir = fs.mkdtempSync(path.join(tmp.dir, "view-live-"));
  const file = path.join(dir, "live.h5");
  const writer = spawn(process.execPath, [compiledChild("view-writer"), file, mode, "3600", "200", "1"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const flushes: { rows: number; at: number }[] = [];
  let ready!: () => void;
  const isReady = new Promise<void>((r) => {
    ready = r;
  });
  let pending = "";
  writer.stdout?.setEncoding("utf8").on("data", (c: string) => {
    pending += c;
    for (let nl = pending.indexOf("\n"); nl >= 0; nl = pending.indexOf("\n")) {
      const line = JSON.parse(pending.slice(0, nl));
      pending = pending.slice(nl + 1);
      if (line.ready) ready();
      else if (typeof line.rows === "number" && !line.closed) flushes.push(line);
    }
  });
  const ended = new Promise((r) => writer.once("exit", r));
  await isReady;
  const server = await startServer([dir]);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "h5logger-bench-chromium-"));
  const browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const page = browser.pages()[0] ?? (await browser.newPage());
    await page.goto(`${server.base}/?token=${server.cookie.split("=")[1]}`);
    // Functions, not strings: the page's Content-Security-Policy forbids evaluating strings.
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).__h5view.draws.some((d) => d.name === "train/loss"), null, {
      timeout: 60_000,
    });
    const from = Date.now() + 500;
    await sleep(seconds * 1000);
    writer.kill("SIGTERM"); // the logger closes the file on SIGTERM
    await ended;
    await sleep(1000); // the last flushes reach the page
    const draws = await page.evaluate(() => (globalThis as unknown as PageGlobals).__h5view.draws);
    const measured = flushes.filter((f) => f.at > from);
    const lat: number[] = [];
    for (const f of measured) {
      const drawn = draws.find((d) => d.name === "train/loss" && d.rows >= f.rows);
      if (drawn) lat.push(drawn.at - f.at);
    }
    lat.sort((a, b) => a - b);
    const p95 = lat[Math.min(lat.length - 1, Math.floor(lat.length * 0.95))] ?? Number.NaN;
    const missed = measured.length - lat.length;
    return {
      case: `viewer: flush to drawn in the page, ${mode === "swmr" ? "SWMR file" : "plain file (snapshots)"}`,
      ours: { value: p95, unit: "ms p95" },
      target: "≤ 500 ms",
      met: missed === 0 && p95 <= 500,
      note: `${lat.length} flushes, 200 ms apart; median ${median(lat).toFixed(0)} ms, max ${lat.at(-1)?.toFixed(0)} ms${missed ? `; ${missed} never drawn` : ""}`,
    };
  } finally {
    writer.kill();
    await browser.close();
    fs.rmSync(profile, { recursive: true, force: true });
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** 1,000 series open, each asked for once (a page scrolled through all of them): the server's peak RSS. */
async function manySeries(rowsEach: number, tmp: TempDir): Promise<Result> {
  const file = tmp.file("view-many");
  const names = Array.from({ length: 1000 }, (_, i) => `group${Math.floor(i / 50)}/series${i}`);
  const writer = new H5Logger(file, { replaceIfExists: true, maxBufferBytes: 256 << 20 });
  for (let r = 0; r < rowsEach; r++) for (const name of names) writer.log(name, Math.sin(r + name.length));
  writer.close();
  const server = await startServer([file]);
  try {
    const { body } = await get<Runs>(server, "/api/runs");
    const run = body.runs[0]?.id as string;
    const t0 = now();
    for (const name of names) await get<Answer>(server, `/api/series?run=${run}&name=${encodeURIComponent(name)}&buckets=1000`);
    const ms = now() - t0;
    const mem = rssOf(server.child.pid as number);
    return {
      case: `viewer: 1,000 series × ${rowsEach.toLocaleString("en-US")} rows, each drawn once`,
      ours: { value: mem.peak, unit: "MiB peak RSS" },
      target: "≤ 200 MB",
      met: mem.peak <= 200 / 1.048576,
      note: `RSS after ${mem.rss.toFixed(0)} MiB; 1,000 answers in ${(ms / 1000).toFixed(1)} s (${(ms / 1000).toFixed(1)} ms each)`,
    };
  } finally {
    await server.stop();
    tmp.drop(file);
  }
}

/** A file that grows for a while with a client polling it: the server's RSS early and late. */
async function growing(seconds: number, tmp: TempDir): Promise<Result> {
  const dir = fs.mkdtempSync(path.join(tmp.dir, "view-grow-"));
  const file = path.join(dir, "grow.h5");
  const writer = spawn(process.execPath, [compiledChild("view-writer"), file, "swmr", String(seconds), "100", "2000"], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  const ended = new Promise((r) => writer.once("exit", r));
  await sleep(1000);
  const server = await startServer([dir]);
  const samples: number[] = [];
  try {
    const start = Date.now();
    let run = "";
    while (writer.exitCode === null && Date.now() - start < seconds * 1000) {
      if (!run) run = (await get<Runs>(server, "/api/runs")).body.runs[0]?.id ?? "";
      if (run) {
        await get<Answer>(server, `/api/series?run=${run}&name=train/loss&buckets=1000&x=step`).catch(() => {});
        await get<Answer>(server, `/api/series?run=${run}&name=train/loss&buckets=1000&x=step&smooth=0.6`).catch(() => {});
      }
      samples.push(rssOf(server.child.pid as number).rss);
      await sleep(500);
    }
    await ended;
    // The first half warms up: V8's heap, HDF5's caches and WebAssembly memory reach their size
    // within ~30 s here, then stay (a 200 s run: 158 MiB from 30 s to the end).
    const half = samples[Math.floor(samples.length / 2)] ?? Number.NaN;
    const last = samples.at(-1) ?? Number.NaN;
    const growth = last - half;
    return {
      case: `viewer: RSS while a file grows for ${seconds} s`,
      ours: { value: growth, unit: "MiB growth" },
      target: "flat",
      met: growth <= Math.max(10, half * 0.1),
      note: `RSS ${half.toFixed(0)} MiB at half time, ${last.toFixed(0)} MiB at the end, max ${Math.max(...samples).toFixed(0)}; SWMR writer at 20,000 rows/s, client asking twice a second (raw and smoothed)`,
    };
  } finally {
    writer.kill();
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Answers on a long series, and flush-to-screen latency. */
export async function viewCase(sizes: Sizes, tmp: TempDir): Promise<Result[]> {
  const results = await longSeries(sizes.readRows, tmp);
  results.push(await latency("plain", sizes.latencySeconds * 2, tmp));
  results.push(await latency("swmr", sizes.latencySeconds * 2, tmp));
  return results;
}

/** The server's memory: 1,000 series open (1M rows each with `--full`), a file growing (10 minutes with `--full`). */
export async function viewMemoryCase(sizes: Sizes, tmp: TempDir): Promise<Result[]> {
  const full = sizes.readRows >= 100_000_000;
  return [await manySeries(full ? 1_000_000 : 10_000, tmp), await growing(full ? 600 : 60, tmp)];
}
