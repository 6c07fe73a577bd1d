/**
 * Makes the README's picture of the viewer, docs/viewer.png: three runs of a made-up training
 * loop in a temp folder, one of them a run of three writers (data-parallel ranks), shown by
 * `h5logger view` in Debian's chromium. Run with `npm run screenshot` (needs /usr/bin/chromium).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { H5Logger } from "../src/index.js";
import { startViewer } from "../src/view/server.js";
import { CHROMIUM, CHROMIUM_ARGS } from "../test/helpers/browser.js";

// Compiled to build/examples/: the repository is two folders up.
const OUT = fileURLToPath(new URL("../../docs/viewer.png", import.meta.url));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "h5logger-screenshot-"));
const profile = fs.mkdtempSync(path.join(os.tmpdir(), "h5logger-screenshot-chromium-"));

// Deterministic noise, so the picture changes only when the viewer does.
let seed = 12345;
const noise = () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31 - 0.5;
};

for (const [run, lr, steps, rank] of [
  ["lr=0.1", 0.1, 20_000, null],
  ["lr=0.03", 0.03, 20_000, 0],
  ["lr=0.03", 0.03, 20_000, 1],
  ["lr=0.03", 0.03, 20_000, 2],
  ["lr=0.01", 0.01, 12_000, null],
] as const) {
  const config = { lr, optimizer: "adam", batch_size: 256, model: { layers: 4, width: 512 } };
  const logger =
    rank === null
      ? new H5Logger(path.join(dir, `${run}.h5`), { steps: true, attrs: config })
      : H5Logger.inRun(path.join(dir, run), { writer: `rank${rank}`, steps: true, runAttrs: config, attrs: { rank } });
  for (let step = 0; step < steps; step++) {
    logger.step = step;
    const loss = 2.3 * Math.exp(-step * lr * 0.002) + 0.05 + 0.15 * noise() * Math.exp(-step / 8000) + 0.04 * (rank ?? 0);
    logger.log("train/loss", step === 9000 && lr === 0.1 ? 7.5 : loss); // one spike: M4 keeps it
    logger.log("train/lr", lr * Math.min(1, step / 1000) * 0.5 * (1 + Math.cos((Math.PI * step) / 20_000)));
    if (step % 250 === 0) {
      logger.log("eval/accuracy", 1 - Math.exp(-step * lr * 0.0015) * 0.9 + 0.01 * noise());
      logger.log("eval/loss", step === 5000 && lr === 0.03 ? Number.NaN : 2.5 * Math.exp(-step * lr * 0.0018) + 0.1);
    }
    if (step % 500 === 0) {
      const center = 32 + 20 * Math.tanh(step / 6000 - 1);
      logger.log(
        "weights/histogram",
        Float32Array.from({ length: 64 }, (_, i) => Math.exp(-((i - center) ** 2) / (30 + step / 400))),
      );
    }
  }
  logger.close();
}

const viewer = await startViewer({ paths: [dir], port: 0 });
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: CHROMIUM,
  args: CHROMIUM_ARGS,
  viewport: { width: 1440, height: 900 },
});
try {
  const page = browser.pages()[0] ?? (await browser.newPage());
  await page.goto(viewer.url);
  // A function, not a string: the page's Content-Security-Policy forbids evaluating strings.
  await page.waitForFunction(
    () => {
      const { draws } = (globalThis as unknown as { __h5view: { draws: { name: string; agg: boolean }[] } }).__h5view;
      return (
        ["train/loss", "train/lr", "eval/accuracy", "eval/loss"].every((n) => draws.filter((d) => d.name === n).length >= 3) &&
        draws.some((d) => d.agg)
      );
    },
    null,
    { timeout: 60_000 },
  );
  await page.locator("#runs .run-name").first().click();
  await page.locator("#attrs table").waitFor();
  await page.waitForTimeout(300); // the last paint
  await page.screenshot({ path: OUT });
  console.log(`wrote ${OUT}`);
} finally {
  await browser.close();
  await viewer.close();
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(profile, { recursive: true, force: true });
}
