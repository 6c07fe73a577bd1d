/**
 * Before and after: the scalars and wide loops with our H5Logger and with another build's
 * (`--against=DIR`, a checkout of an earlier commit built with `npm run build:dev`), each in its own
 * fresh process, alternating, so that both meet the same machine in the same run.
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { REPO } from "../../test/helpers/paths.js";
import { median, type TempDir } from "../measure.js";
import { nsPerCall, type Result } from "../result.js";
import type { Sizes } from "../sizes.js";
import { runChild } from "../spawn.js";

/** Alternating rounds of ours and theirs (each round: one process per side, `sizes.reps` runs in it). */
const ROUNDS = 4;
/** Slower than this (ours / theirs) fails the target: "within 10 %". */
const WITHIN = 1.1;

export async function beforeCase(sizes: Sizes, tmp: TempDir, against: string): Promise<Result[]> {
  // Both compiled the same way (tsconfig.test.json), as the bench compiles ours.
  const theirs = path.join(path.resolve(against), "build", "src", "index.js");
  const ours = path.join(REPO, "build", "src", "index.js");
  if (!fs.existsSync(theirs)) throw new Error(`--against=${against}: no ${theirs}; run npm run build:dev there first`);
  const commit = spawnSync("git", ["-C", against, "log", "-1", "--format=%h"], { encoding: "utf8" }).stdout.trim() || against;
  const cases = [
    { kind: "scalars", label: "scalars", size: String(sizes.scalars), calls: sizes.scalars },
    { kind: "wide", label: "wide (1,000 names)", size: `${sizes.wideNames},${sizes.wideSteps}`, calls: sizes.wideNames * sizes.wideSteps },
  ];
  const out: Result[] = [];
  for (const c of cases) {
    const times = { ours: [] as number[], theirs: [] as number[] };
    const cpu = { ours: [] as number[], theirs: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate who goes first, as the machine's load drifts.
      const order = round % 2 === 0 ? (["ours", "theirs"] as const) : (["theirs", "ours"] as const);
      for (const side of order) {
        const library = side === "ours" ? ours : theirs;
        const args = [c.kind, library, tmp.file(`before-${side}`), String(sizes.reps), c.size];
        const { ms, cpuMs } = await runChild<{ ms: number[]; cpuMs: number[] }>("speed", args);
        times[side].push(...ms);
        cpu[side].push(...cpuMs);
      }
    }
    // The best run of each side: on a shared machine other programs only ever add time, so the
    // fastest run is the one least disturbed (medians and CPU time are in the note).
    const oursNs = nsPerCall(Math.min(...times.ours), c.calls);
    const theirsNs = nsPerCall(Math.min(...times.theirs), c.calls);
    const slower = oursNs.value / theirsNs.value;
    out.push({
      case: `${c.label} vs ${commit}`,
      ours: oursNs,
      baseline: { name: commit, ...theirsNs },
      ratio: theirsNs.value / oursNs.value,
      target: `≥ ${(1 / WITHIN).toFixed(2)}× (within 10 %)`,
      met: slower <= WITHIN,
      note: `${ROUNDS} alternating rounds of a fresh process per side, ${sizes.reps} runs each, best run; medians ours ${perCall(median(times.ours), c.calls)}, ${commit} ${perCall(median(times.theirs), c.calls)}; ranges ours ${fmt(times.ours, c.calls)}, ${commit} ${fmt(times.theirs, c.calls)}; median CPU time (user + system, all threads) ours ${perCall(median(cpu.ours), c.calls)}, ${commit} ${perCall(median(cpu.theirs), c.calls)} ns/call`,
    });
  }
  return out;
}

function perCall(ms: number, calls: number): string {
  return ((ms * 1e6) / calls).toFixed(1);
}

function fmt(ms: number[], calls: number): string {
  const ns = ms.map((m) => (m * 1e6) / calls).sort((a, b) => a - b);
  return `${(ns[0] as number).toFixed(1)}–${(ns.at(-1) as number).toFixed(1)}`;
}
