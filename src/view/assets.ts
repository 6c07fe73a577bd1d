/**
 * The page's files, all from the package (no CDN: the viewer works offline): the page's
 * modules, HTML and CSS (src/view/page, copied beside the compiled server by the build), and
 * uPlot's script and style from the uplot package. Read into memory once; only these names
 * are served, so no request reaches the file system.
 *
 * @module
 */
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

export interface Asset {
  type: string;
  body: Buffer;
  /** The body gzipped once at start: the page is ~38 KB so, ~110 KB as it is. */
  gzipped: Buffer;
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
};

/** The page beside this module: src/view/page as written, or dist/view/page as `npm run build` copies it. */
function pageDir(): string {
  const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), "page");
  if (!fs.existsSync(path.join(dir, "index.html"))) throw new Error(`the viewer's page is missing from ${dir}: run "npm run build"`);
  return dir;
}

/** Every asset by its URL path: `/` is the page, the rest under `/assets/`. */
export function loadAssets(): Map<string, Asset> {
  const out = new Map<string, Asset>();
  const dir = pageDir();
  for (const name of fs.readdirSync(dir)) {
    const type = TYPES[path.extname(name)];
    if (!type) continue; // the type checker's config, licences
    const body = fs.readFileSync(path.join(dir, name));
    out.set(name === "index.html" ? "/" : `/assets/${name}`, { type, body, gzipped: gzipSync(body) });
  }
  const uplot = path.join(path.dirname(createRequire(import.meta.url).resolve("uplot/package.json")), "dist");
  for (const name of ["uPlot.iife.min.js", "uPlot.min.css"]) {
    const body = fs.readFileSync(path.join(uplot, name));
    out.set(`/assets/${name}`, { type: TYPES[path.extname(name)] as string, body, gzipped: gzipSync(body) });
  }
  return out;
}
