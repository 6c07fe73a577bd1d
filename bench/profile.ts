/**
 * One workload of the benchmark, without baselines, for the profiler.
 *
 *   node build/bench/profile.js WORKLOAD [SIZE] [--warm] [--out=FILE.cpuprofile]
 *   node build/bench/hotspots.js FILE.cpuprofile
 *
 * Workloads: scalars, wide, small, large, read. `--warm` runs the workload once before the
 * measured run, so that V8 has compiled the hot JavaScript and WebAssembly (HDF5's first calls
 * run unoptimised code). `--out` profiles the measured run only (node:inspector) and writes
 * the profile there; `node --cpu-prof` works too but also records start-up and warm-up.
 *
 * @module
 */
import fs from "node:fs";
import { Session } from "node:inspector/promises";
import os from "node:os";
import path from "node:path";
import { H5Logger } from "../src/index.js";
import { LARGE_ROW_ELEMENTS, logRows } from "./cases/arrays.js";
import { logScalars } from "./cases/scalars.js";
import { logWide, wideNames } from "./cases/wide.js";

const args = process.argv.slice(2);
const [workload, sizeText] = args.filter((a) => !a.startsWith("--"));
const warm = args.includes("--warm");
const out = args.find((a) => a.startsWith("--out="))?.slice("--out=".length);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "h5logger-profile-"));
const file = path.join(dir, "profile.h5");
const size = sizeText === undefined ? undefined : Number(sizeText);

function run(): number {
  switch (workload) {
    case "scalars":
      return logScalars(file, size ?? 10_000_000);
    case "wide":
      return logWide(file, wideNames(1000), size ?? 10_000);
    case "small":
      return logRows(file, new Float32Array(64), size ?? 3_000_000);
    case "large":
      return logRows(file, new Float32Array(LARGE_ROW_ELEMENTS), size ?? 256);
    case "read": {
      if (!fs.existsSync(file)) logScalars(file, size ?? 10_000_000);
      const t0 = performance.now();
      for (let i = 0; i < 100; i++) {
        const reader = H5Logger.openSync(file);
        reader.get("loss").slice(-1000);
        reader.close();
      }
      return (performance.now() - t0) / 100;
    }
    default:
      console.error("usage: profile.ts scalars|wide|small|large|read [SIZE] [--warm] [--out=FILE]");
      process.exit(2);
  }
}

if (warm) run();
const session = out ? new Session() : null;
if (session) {
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
}
const cpu0 = process.cpuUsage();
const ms = run();
// CPU time (user + system, all threads) is steadier than wall time on a shared machine.
const cpu = process.cpuUsage(cpu0);
if (session && out) {
  const { profile } = await session.post("Profiler.stop");
  fs.writeFileSync(out, JSON.stringify(profile));
  session.disconnect();
}
fs.rmSync(dir, { recursive: true, force: true });
console.log(
  `${workload}: ${ms.toFixed(1)} ms wall, ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms cpu (${(cpu.system / 1000).toFixed(0)} system)`,
);
