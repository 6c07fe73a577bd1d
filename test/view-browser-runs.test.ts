/**
 * The viewer page on a folder of runs (issue 13), in Debian's chromium: a run folder lists its
 * writers; a chart draws one line per writer and the mean across them over its min–max band,
 * with the band's extremes as the test logged them; the "writers" control shows the writers
 * only or the mean only; the tooltip gives the mean at a step; a writer that joins (another
 * process) and a run that appears show up by themselves. Waits for events, never for times.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { H5Logger } from "../src/index.js";
import { launchBrowser } from "./helpers/browser.js";
import { startNode } from "./helpers/child.js";
import { tempDir } from "./helpers/interop.js";
import { fixture } from "./helpers/paths.js";
import { viewer } from "./helpers/view.js";

interface Draw {
  run: string;
  writer: string | null;
  agg: boolean;
  name: string;
  rows: number;
  lo: (number | null)[] | null;
  hi: (number | null)[] | null;
}

interface Page {
  __h5view: { draws: Draw[] };
}

const draws = (): Draw[] => (globalThis as unknown as Page).__h5view.draws;

test("a run folder in the page: a line per writer, the mean with its min–max band, writers and runs appearing live", {
  timeout: 120_000,
}, async (t) => {
  const root = path.join(tempDir(t), "runs");
  // Writer k logs loss = 10·k + s at steps 0..99: the band at step s is [s, 20 + s], the mean 10 + s.
  for (const k of [0, 1, 2]) {
    const logger = H5Logger.inRun(path.join(root, "exp1"), { writer: `w${k}`, steps: true });
    for (let s = 0; s < 100; s++) {
      logger.step = s;
      logger.log("loss", 10 * k + s);
    }
    logger.close();
  }

  const v = await viewer(t, [root]);
  const browser = await launchBrowser(t);
  const page = browser.pages()[0] ?? (await browser.newPage());
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  await page.goto(v.url);
  const run = page.locator("#runs > li", { hasText: "exp1" });
  await run.waitFor();
  assert.deepEqual(await run.locator(".writers .writer-name").allTextContents(), ["w0", "w1", "w2"]);

  // One line per writer and the mean with its band.
  const seen = async (from: number, match: string) =>
    page.waitForFunction(
      ({ from, match }) => {
        const d = (globalThis as unknown as Page).__h5view.draws.slice(from).filter((x) => x.name === "loss");
        return match.split(",").every((m) => d.some((x) => (m === "mean" ? x.agg : x.writer === m)));
      },
      { from, match },
      { timeout: 30_000 },
    );
  await seen(0, "w0,w1,w2,mean");
  const all = (await page.evaluate(draws)).filter((d) => d.name === "loss");
  const mean = all.find((d) => d.agg) as Draw;
  assert.equal(mean.rows, 100);
  const finite = (xs: (number | null)[] | null) => (xs ?? []).filter((x): x is number => x !== null);
  assert.deepEqual([Math.min(...finite(mean.lo)), Math.max(...finite(mean.hi))], [0, 119]);
  assert.ok(all.filter((d) => !d.agg).every((d) => d.rows === 100 && d.lo === null));

  // The tooltip gives the mean at the step under the cursor.
  const over = page.locator('.card[data-series="loss"] .u-over');
  await over.scrollIntoViewIfNeeded();
  const box = await over.boundingBox();
  assert.ok(box);
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  const tip = page.locator('.card[data-series="loss"] .tooltip', { hasText: "mean" });
  await tip.waitFor({ timeout: 30_000 });
  const [, step, value, lo, hi] = /step (\d+) · mean ([\d.]+) · min ([\d.]+) · max ([\d.]+) · 3 values/.exec(
    (await tip.textContent()) ?? "",
  ) ?? [null, "", "", "", ""];
  assert.deepEqual([Number(value), Number(lo), Number(hi)], [10 + Number(step), Number(step), 20 + Number(step)]);
  await page.mouse.move(0, 0);

  // The writers control: the mean only, then the writers only.
  for (const [choice, want, not] of [
    ["mean", "mean", (d: Draw) => !d.agg],
    ["each", "w0,w1,w2", (d: Draw) => d.agg],
  ] as const) {
    const from = (await page.evaluate(draws)).length;
    await page.selectOption("#writers", choice);
    await seen(from, want);
    const after = (await page.evaluate(draws)).slice(from).filter((d) => d.name === "loss");
    assert.equal(after.filter(not).length, 0, `${choice}: nothing else drawn`);
  }
  await page.selectOption("#writers", "both");

  // A writer joining from another process, and a new run, appear by themselves.
  const late = startNode(fixture("run_writer"), [path.join(root, "exp1"), "late", "7", "plain", "200"], { test: t });
  await late.waitFor((l) => l.event === "closed");
  await run.locator('.writers li[data-writer="late"]').waitFor({ timeout: 30_000 });
  await page.waitForFunction(
    () => (globalThis as unknown as Page).__h5view.draws.some((d) => d.name === "loss" && d.writer === "late" && d.rows === 200),
    null,
    { timeout: 30_000 },
  );
  const fresh = H5Logger.inRun(path.join(root, "exp2"), { writer: "solo" });
  fresh.log("only/here", 1);
  fresh.close();
  await page.locator("#runs > li", { hasText: "exp2" }).waitFor({ timeout: 30_000 });
  await page.locator('.card[data-series="only/here"]').waitFor({ timeout: 30_000 });
  assert.deepEqual(errors, [], "no page errors");
});
