/**
 * Compression: images (64×64 uint8: masks and noisy shaded shapes on black, as segmentation or MNIST-like data) and a
 * float series (a random walk, like a loss), logged without compression and with gzip at
 * levels 1 and 4 (h5py's default): throughput (close included) and size on disk.
 *
 * @module
 */
import fs from "node:fs";
import { type Compression, H5Logger } from "../../src/index.js";
import { median, mib, now, repeat, type TempDir } from "../measure.js";
import type { Result } from "../result.js";
import type { Sizes } from "../sizes.js";

const SIDE = 64;
/** Distinct images, logged in turn: more than deflate's 32 KiB window holds, so no image compresses against a copy of itself. */
const POOL = 256;

/** Images of a few filled ellipses on a black background: flat (a mask) or shaded with sensor noise. */
export function makeImages(count: number, seed = 1): Uint8Array[] {
  let state = seed;
  const random = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
  return Array.from({ length: count }, () => {
    const image = new Uint8Array(SIDE * SIDE);
    for (let shape = 0; shape < 3; shape++) {
      const [cx, cy, rx, ry] = [random() * SIDE, random() * SIDE, 4 + random() * 16, 4 + random() * 16];
      const base = 64 + Math.floor(random() * 160);
      const shaded = random() < 0.5;
      for (let y = 0; y < SIDE; y++)
        for (let x = 0; x < SIDE; x++)
          if (((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1)
            image[y * SIDE + x] = shaded ? base + ((x + y) >> 2) + Math.floor(random() * 8) : base;
    }
    return image;
  });
}

/** A random walk, as a loss or a sensor reading drifts. */
function makeWalk(count: number): Float64Array {
  const out = new Float64Array(count);
  let x = 1;
  for (let i = 0; i < count; i++) out[i] = x += (Math.sin(i * 12.9898) * 43758.5453) % 1e-3;
  return out;
}

interface Run {
  ms: number;
  bytes: number;
}

function logImages(file: string, images: readonly Uint8Array[], rows: number, compression: Compression): Run {
  const t0 = now();
  const logger = new H5Logger(file, { replaceIfExists: true, compression });
  for (let r = 0; r < rows; r++) logger.log("masks", { data: images[r % images.length] as Uint8Array, shape: [SIDE, SIDE] });
  logger.close();
  return { ms: now() - t0, bytes: fs.statSync(file).size };
}

function logWalk(file: string, walk: Float64Array, compression: Compression): Run {
  const t0 = now();
  const logger = new H5Logger(file, { replaceIfExists: true, compression });
  for (let i = 0; i < walk.length; i++) logger.log("loss", walk[i] as number);
  logger.close();
  return { ms: now() - t0, bytes: fs.statSync(file).size };
}

export async function compressionCase(sizes: Sizes, tmp: TempDir): Promise<Result[]> {
  const images = makeImages(POOL);
  const walk = makeWalk(sizes.compressedFloats);
  const kinds = [
    {
      label: `images (${SIDE}×${SIDE} uint8)`,
      logical: sizes.compressedImages * SIDE * SIDE,
      run: (file: string, c: Compression) => logImages(file, images, sizes.compressedImages, c),
    },
    { label: "float64 series", logical: walk.byteLength, run: (file: string, c: Compression) => logWalk(file, walk, c) },
  ];
  const out: Result[] = [];
  for (const kind of kinds) {
    const measure = async (compression: Compression) => {
      const runs = await repeat(sizes.reps, () => {
        const file = tmp.file("compression");
        const run = kind.run(file, compression);
        tmp.drop(file);
        return run;
      });
      return { rate: mib(kind.logical) / (median(runs.map((r) => r.ms)) / 1000), bytes: median(runs.map((r) => r.bytes)) };
    };
    const plain = await measure(false);
    for (const level of [1, 4]) {
      const gzip = await measure({ gzip: level });
      const what = `gzip ${level}: ${kind.label}`;
      out.push(
        {
          case: `${what}, size`,
          ours: { value: mib(gzip.bytes), unit: "MiB" },
          baseline: { name: "uncompressed", value: mib(plain.bytes), unit: "MiB" },
          ratio: plain.bytes / gzip.bytes,
          target: "smaller",
          met: gzip.bytes < plain.bytes,
          note: `${mib(kind.logical).toFixed(0)} MiB logged; file sizes`,
        },
        {
          case: `${what}, speed`,
          ours: { value: gzip.rate, unit: "MiB/s" },
          baseline: { name: "uncompressed", value: plain.rate, unit: "MiB/s" },
          ratio: gzip.rate / plain.rate,
          target: "(measured)",
          met: null,
          note: "MiB of rows logged per second, close() included",
        },
      );
    }
  }
  return out;
}
