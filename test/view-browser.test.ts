/**
 * The viewer in a real browser (Debian's chromium through playwright-core): the page loads
 * with no error and no request to another host, lists the runs and series, draws every chart,
 * renders names and attributes as text, zooms by dragging, shows rows that a writer in another
 * process appends, and a new file in the watched folder. Waits for events, never for times.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { H5Logger } from "../src/index.js";
import { launchBrowser } from "./helpers/browser.js";
import { startNode } from "./helpers/child.js";
import { fixture } from "./helpers/paths.js";
import { tempDir } from "./helpers/interop.js";
import { viewer } from "./helpers/view.js";

const HOSTILE = `<img src=x onerror="window.__pwned=1">`;

/** What the tests read in the page (its globals, seen from Node's types). */
interface Page {
  __h5view: { draws: Draw[] };
  __pwned?: number;
  document: { querySelectorAll(selector: string): { length: number } };
}

interface Draw {
  run: string;
  name: string;
  rows: number;
  last: number | null;
}

test("the page lists, draws, zooms and follows runs as they are written", { timeout: 120_000 }, async (t) => {
  const dir = tempDir(t);
  const done = new H5Logger(path.join(dir, "baseline.h5"), { steps: true, attrs: { optimizer: HOSTILE, lr: 0.1 } });
  for (let i = 0; i < 3000; i++) {
    done.step = i;
    done.log("train/loss", 1 / (i + 1) + (i === 2000 ? 10 : 0));
    if (i % 100 === 0) done.log("eval/acc", i / 3000);
    if (i === 1500) done.log("eval/acc", Number.NaN);
  }
  done.log(HOSTILE, 1);
  done.log("hist", Float32Array.from([1, 2, 3, 4]));
  done.log("note", HOSTILE);
  done.close();

  const writer = startNode(fixture("view_writer"), [path.join(dir, "live.h5"), "plain"], { test: t, stdin: true });
  await writer.waitFor((l) => l.ready === true);
  writer.process.stdin?.write("100\n");
  await writer.waitFor((l) => l.rows === 100);

  const v = await viewer(t, [dir]);
  const browser = await launchBrowser(t);
  const page = browser.pages()[0] ?? (await browser.newPage());
  const errors: string[] = [];
  const foreign: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("request", (r) => {
    const url = new URL(r.url());
    if (url.origin !== `http://127.0.0.1:${v.port}` && url.protocol !== "data:" && url.protocol !== "blob:") foreign.push(r.url());
  });
  await page.goto(v.url);
  const draws = () => page.evaluate(() => (globalThis as unknown as Page).__h5view.draws);
  const runs = (await (await fetch(`http://127.0.0.1:${v.port}/api/runs?token=${v.token}`)).json()) as {
    runs: { id: string; name: string }[];
  };
  const id = (name: string) => runs.runs.find((r) => r.name === name)?.id as string;

  // The runs, with the live one marked; every series card; names as text.
  await page.waitForFunction(() => (globalThis as unknown as Page).document.querySelectorAll("#runs li").length === 2);
  assert.deepEqual(await page.locator("#runs .run-name").allTextContents(), ["baseline", "live"]);
  await page.locator(`#runs li[data-run="${id("live")}"] .live`).waitFor();
  const titles = await page.locator(".card h3").allTextContents();
  assert.deepEqual(titles.sort(), [HOSTILE, "eval/acc", "hist", "note", "train/loss"].sort());

  // Every chart in view is drawn, for each run that has the series; the spike and the NaN show.
  await page.waitForFunction(
    () => {
      const d = (globalThis as unknown as Page).__h5view.draws;
      return ["train/loss", "eval/acc"].every((n) => d.some((x) => x.name === n));
    },
    null,
    { timeout: 30_000 },
  );
  const drawn = await draws();
  assert.ok(drawn.some((d) => d.name === "train/loss" && d.run === id("baseline") && d.rows === 3000));
  assert.ok(drawn.some((d) => d.name === "train/loss" && d.run === id("live") && d.rows === 100));
  assert.equal(await page.locator('.card[data-series="eval/acc"] .badge').textContent(), "NaN 1");
  assert.equal(await page.locator('.card[data-series="train/loss"] canvas').count(), 1);
  await page.locator(".card .timeline li").first().waitFor();
  assert.match((await page.locator(".card .timeline").textContent()) ?? "", /<img src=x onerror/);

  // Attributes as text too.
  await page.locator(`#runs li[data-run="${id("baseline")}"] .run-name`).click();
  await page.locator("#attrs td", { hasText: "onerror" }).waitFor();
  assert.equal(await page.evaluate(() => (globalThis as unknown as Page).__pwned), undefined, "no markup from a file ran");
  assert.equal(await page.locator('img[src="x"]').count(), 0);

  // Drag to zoom: the server is asked for the range.
  const over = page.locator('.card[data-series="train/loss"] .u-over');
  await over.scrollIntoViewIfNeeded();
  const box = await over.boundingBox();
  assert.ok(box);
  const zoomed = page.waitForRequest((r) => /\/api\/series\?.*name=train%2Floss.*from=.*to=/.test(r.url()), { timeout: 30_000 });
  await page.mouse.move(box.x + box.width * 0.2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.4, box.y + box.height / 2, { steps: 5 });
  await page.mouse.up();
  await zoomed;
  await over.dblclick();

  // Rows appended by the writer appear by themselves.
  writer.process.stdin?.write("250\n");
  await writer.waitFor((l) => l.rows === 350);
  await page.waitForFunction(
    (run) => (globalThis as unknown as Page).__h5view.draws.some((d) => d.run === run && d.name === "train/loss" && d.rows === 350),
    id("live"),
    { timeout: 30_000 },
  );

  // A new file in the watched folder appears, with its series.
  const late = new H5Logger(path.join(dir, "late.h5"));
  late.log("late/only", 3);
  late.close();
  await page.waitForFunction(() => (globalThis as unknown as Page).document.querySelectorAll("#runs li").length === 3, null, {
    timeout: 30_000,
  });
  await page.locator('.card[data-series="late/only"]').waitFor();

  writer.process.stdin?.write("close\n");
  await writer.exited;
  await page.locator(`#runs li[data-run="${id("live")}"] .closed`).waitFor({ timeout: 30_000 });
  assert.deepEqual(errors, [], "no page errors");
  assert.deepEqual(foreign, [], "no request to another host");
  assert.ok(fs.existsSync(path.join(dir, "late.h5")));
});
