/**
 * Debian's Chromium driven by playwright-core (which cannot download browsers here), with a
 * fresh profile that is removed when the test ends. One browser per test file.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { TestContext } from "node:test";
import { type BrowserContext, chromium } from "playwright-core";

export const CHROMIUM = process.env.H5LOGGER_CHROMIUM ?? "/usr/bin/chromium";

/** Headless, and nothing that reaches the network by itself. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export async function launchBrowser(t: TestContext, viewport = { width: 1400, height: 1000 }): Promise<BrowserContext> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "h5logger-chromium-"));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: CHROMIUM_ARGS, viewport });
  t.after(async () => {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  });
  return context;
}
