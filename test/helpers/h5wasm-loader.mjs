/**
 * Loads h5wasm without passing it through tsx: `node --import tsx --import ./test/helpers/h5wasm-loader.mjs child.ts`.
 *
 * tsx rewrites the dynamic import in h5wasm's 4 MB `hdf5_util.js` (the wasm binary inlined as
 * base64) and attaches a source map on every start, uncached: measured here, importing src/
 * under `--import tsx` took 4.5 s of CPU (12 s wall on a loaded 2-core machine) against 0.8 s
 * with this hook. The file is plain ESM that Node runs as it is. Hooks registered later run
 * first, so this one answers before tsx sees the file.
 */
import { register } from "node:module";

register(
  `data:text/javascript,${encodeURIComponent(`
import { readFile } from "node:fs/promises";
export async function load(url, context, nextLoad) {
  if (url.startsWith("file:") && url.includes("/node_modules/h5wasm/")) {
    return { format: "module", source: await readFile(new URL(url)), shortCircuit: true };
  }
  return nextLoad(url, context);
}`)}`,
);
