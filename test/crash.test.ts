/**
 * Crash safety: writers killed with SIGKILL at random moments lose nothing they had flushed,
 * and a second writer is refused while the first goes on unharmed. A writer says which rows
 * it knows to be on disk (it watches its journal count completed flushes), so what must
 * survive a kill is known from events, not from how fast a busy machine ran it.
 *
 * The kill moments come from a seeded generator; the seed is printed, and
 * H5LOGGER_CRASH_SEED=N replays a run. H5LOGGER_CRASH_KILLS=N changes the number of kills.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { H5Logger, LockedError, type RecoveryReport } from "../src/index.js";
import { readSuperblock } from "../src/recovery/superblock.js";
import { datasetsOf, expectedRow } from "./fixtures/crash_rows.js";
import { startNode } from "./helpers/child.js";
import { have, PYTHON, python, run, sha256, tempDir } from "./helpers/interop.js";
import { CLI, fixture } from "./helpers/paths.js";

const KILLS = Number(process.env.H5LOGGER_CRASH_KILLS ?? 32);
const PARALLEL = 3;

/** mulberry32: a small seeded generator, so a failing run can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Kill {
  file: string;
  mode: "plain" | "swmr";
  flushEvery: number;
  pid: number;
  /** Rows the writer saw a completed flush write before the kill: they must be in the file. */
  required: number;
  /** Rows the writer reported logging, at the latest. */
  logged: number;
}

/** Check every row our reader finds against the formula; returns the row count of each dataset. */
function checkRows(file: string, mode: string, required: number): Map<string, number> {
  const counts = new Map<string, number>();
  using reader = H5Logger.openSync(file);
  for (const name of datasetsOf(mode)) {
    if (!reader.has(name)) {
      // Killed before its first flush: nothing was promised yet.
      assert.equal(required, 0, `${file}: ${name} is missing, but ${required} rows were flushed before the kill`);
      counts.set(name, 0);
      continue;
    }
    const rows = reader.get(name).toArray();
    const steps = reader.get(`${name}.step`).toArray();
    assert.ok(rows.length >= required, `${file}: ${name} has ${rows.length} rows, but ${required} were flushed before the kill`);
    assert.ok(steps.length >= required, `${file}: ${name}.step has ${steps.length} rows, need ${required}`);
    for (const [i, row] of rows.entries()) assert.deepEqual(row, expectedRow(name, i), `${file}: ${name}[${i}]`);
    for (const [i, step] of steps.entries()) assert.equal(step, BigInt(i), `${file}: ${name}.step[${i}]`);
    counts.set(name, rows.length);
  }
  return counts;
}

// h5py checks every row of every file in one process (a Python start per file would cost more than the kills).
const H5PY_CHECK = String.raw`
import sys, json, h5py, numpy as np
out = {}
for file, names in json.loads(sys.argv[1]).items():
    result = {}
    with h5py.File(file, "r") as f:
        for name in names:
            if name not in f:
                result[name] = {"rows": 0, "firstBad": -1, "steps": 0, "firstBadStep": -1}
                continue
            d = f[name][()]
            i = np.arange(len(d))
            if name == "x": want = i.astype("f8")
            elif name == "grid/v": want = np.stack([i, i + 0.5, -i, 2 * i], axis=1).astype("f4")
            elif name == "n": want = (((i * 7919) % 65536) - 32768).astype("i4")
            elif name == "s": want = np.array(["row %d \u2713" % k for k in i], dtype=object); d = np.array([s.decode("utf-8") for s in d], dtype=object)
            bad = np.nonzero(np.any((d != want).reshape(len(d), -1), axis=1))[0] if len(d) else []
            steps = f[name + ".step"][()]
            badstep = np.nonzero(steps != np.arange(len(steps)))[0]
            result[name] = {"rows": len(d), "dtype": f[name].dtype.str, "firstBad": int(bad[0]) if len(bad) else -1,
                            "steps": len(steps), "firstBadStep": int(badstep[0]) if len(badstep) else -1}
    out[file] = result
print(json.dumps(out))
`;

test(`kill -9 at ${KILLS} random moments, with and without concurrent readers: every row flushed before is there, exact`, {
  timeout: 240_000,
}, async (t) => {
  const interop = have(t, "h5py", "h5ls");
  const seed = Number(process.env.H5LOGGER_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
  t.diagnostic(`seed ${seed} (H5LOGGER_CRASH_SEED=${seed} replays this run)`);
  const next = random(seed);
  const writer = fixture("crash_writer");
  const dir = tempDir(t, "h5logger-crash-");
  const plans = Array.from({ length: KILLS }, (_, k) => ({
    k,
    mode: k % 2 === 0 ? ("plain" as const) : ("swmr" as const),
    // A short flushEvery puts many kills inside a flush.
    flushEvery: k % 4 < 2 ? 25 : 100,
    // One kill in five early, while the first rows are flushed; the others once many rows are due.
    delay: k % 5 === 0 ? next() * 300 : 350 + next() * 650,
  }));

  const killOne = async (plan: (typeof plans)[number]): Promise<Kill> => {
    // Started as users start writers: in their folder, with a relative name.
    const name = `kill-${plan.k}.h5`;
    const file = path.join(dir, name);
    const child = startNode(writer, [name, plan.mode, String(plan.flushEvery)], { test: t, cwd: dir });
    const ready = await child.waitFor((l) => l.ready === true);
    await new Promise((r) => setTimeout(r, plan.delay));
    child.process.kill("SIGKILL");
    const { signal } = await child.exited;
    assert.equal(signal, "SIGKILL", `writer ${plan.k} died before the kill: ${child.stderr()}`);
    const timeline = child.lines.filter((l) => typeof l.t === "number") as { t: number; rows: number }[];
    // What the writer knew to be on disk: rows logged before a flush it saw complete.
    const required = Math.max(0, ...child.lines.filter((l) => typeof l.flushed === "number").map((l) => l.flushed as number));
    return { file, mode: plan.mode, flushEvery: plan.flushEvery, pid: ready.pid as number, required, logged: timeline.at(-1)?.rows ?? 0 };
  };

  const started = performance.now();
  const kills: Kill[] = [];
  const queue = [...plans];
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      for (let plan = queue.shift(); plan; plan = queue.shift()) kills.push(await killOne(plan));
    }),
  );

  const killed = performance.now();
  let required = 0;
  let found = 0;
  let meaningful = 0;
  let raised = 0;
  const toH5py: Record<string, string[]> = {};
  for (const [i, kill] of kills.entries()) {
    const { file, mode } = kill;
    const sb = readSuperblock(file);
    assert.ok(sb.openForWrite, `${file}: a killed writer leaves the "open for write" flag set`);
    assert.equal(fs.existsSync(`${file}.lock`), true, `${file}: a killed writer leaves its lock`);
    assert.equal(fs.existsSync(`${file}.journal`), true, `${file}: a killed writer leaves its journal`);
    if (i % 4 === 0) {
      // A reader reads the crashed file as it is, and leaves it as it is.
      const before = sha256(file);
      checkRows(file, mode, kill.required);
      assert.equal(sha256(file), before, `${file}: reading a crashed file must not modify it`);
    }
    if (i % 4 === 2) {
      // The command line, with the relative name the writer was given, from its folder.
      const r = spawnSync(process.execPath, [CLI, "recover", path.basename(file), "--json"], { cwd: dir, encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
      const report = JSON.parse(r.stdout) as RecoveryReport;
      assert.equal(report.flagsCleared, true);
      if (report.endAddressRaised > 0) raised++;
      assert.equal(report.staleLock?.pid, kill.pid, "recover reports the dead writer's lock");
    } else if (i % 2 === 0) {
      const report = H5Logger.recover(file);
      assert.equal(report.flagsCleared, true);
      if (report.endAddressRaised > 0) raised++;
      assert.equal(report.staleLock?.pid, kill.pid, "recover reports the dead writer's lock");
    } else {
      // The lock proves the writer dead, so a new writer recovers the file by itself.
      const logger = new H5Logger(file);
      assert.equal(logger.recovered?.flagsCleared, true);
      assert.equal(logger.recovered?.staleLock?.pid, kill.pid);
      if ((logger.recovered?.endAddressRaised ?? 0) > 0) raised++;
      logger.close();
    }
    assert.equal(readSuperblock(file).flags, 0);
    assert.equal(fs.existsSync(`${file}.lock`), false, "recovery removes the stale lock");
    assert.equal(fs.existsSync(`${file}.journal`), false, "recovery removes the journal");
    const counts = checkRows(file, mode, kill.required);
    required += kill.required;
    if (kill.required > 0) meaningful++;
    found += Math.min(...counts.values());
    if (interop) {
      const h5ls = run("h5ls", "-r", file);
      assert.equal(h5ls.status, 0, `h5ls ${file}: ${h5ls.stderr}`);
      for (const name of datasetsOf(mode)) if (counts.get(name)) assert.match(h5ls.stdout, new RegExp(`^/${name} +Dataset`, "m"));
    }
    toH5py[file] = datasetsOf(mode);
  }

  const checked = performance.now();
  if (interop) {
    const seen = python<Record<string, Record<string, { rows: number; firstBad: number; steps: number; firstBadStep: number }>>>(
      H5PY_CHECK,
      JSON.stringify(toH5py),
    );
    for (const kill of kills) {
      for (const name of datasetsOf(kill.mode)) {
        const d = seen[kill.file]?.[name];
        assert.ok(d, `h5py did not read ${kill.file} ${name}`);
        assert.equal(d.firstBad, -1, `h5py: ${kill.file} ${name}[${d.firstBad}] is wrong`);
        assert.equal(d.firstBadStep, -1, `h5py: ${kill.file} ${name}.step[${d.firstBadStep}] is wrong`);
        assert.ok(d.rows >= kill.required, `h5py: ${kill.file} ${name} has ${d.rows} rows, need ${kill.required}`);
      }
    }
  }
  const logged = kills.reduce((sum, k) => sum + k.logged, 0);
  t.diagnostic(
    `${kills.length} kills survived (${meaningful} after rows were due on disk): ${required} rows required (flushed before the kill), all present and exact; ` +
      `${found} rows found of ${logged} reported logged; rows lost: 0; ${raised} files had metadata past their recorded end (killed mid-flush)`,
  );
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  t.diagnostic(`kills ${s(killed - started)}, recovery and checks ${s(checked - killed)}, h5py ${s(performance.now() - checked)}`);
});

test("a second writer in another process is refused, before and after the first flush; the first goes on unharmed", async (t) => {
  const holder = fixture("hold_writer");
  const second = fixture("second_writer");
  const file = path.join(tempDir(t), "held.h5");
  const first = startNode(holder, [file], { test: t, stdin: true });
  const { pid } = await first.waitFor((l) => l.ready === true);
  const attempt = async (replace: boolean) => {
    const other = startNode(second, replace ? [file, "replace"] : [file], { test: t });
    return (await other.waitFor((l) => "error" in l || "opened" in l)) as { error?: string; kind?: string };
  };
  const command = (line: string, key: string) => {
    const seen = first.lines.length;
    first.send(`${line}\n`);
    return first.waitFor((l) => key in l && first.lines.indexOf(l) >= seen);
  };
  for (const moment of ["before the first flush", "after the first flush"]) {
    const replace = moment === "after the first flush";
    if (replace) await command("flush", "flushed");
    const result = await attempt(replace);
    assert.equal(result.kind, "Locked", `${moment}, replaceIfExists ${replace}: ${JSON.stringify(result)}`);
    assert.match(result.error ?? "", new RegExp(`pid ${pid}\\b`));
    assert.ok(result.error?.includes(file), "the error names the file");
    // In this process too, both ways, and recovery is refused as well.
    for (const replaceIfExists of [false, true]) {
      assert.throws(
        () => new H5Logger(file, { replaceIfExists }),
        (err: Error) => err instanceof LockedError && err.message.includes(`pid ${pid}`),
      );
    }
    assert.throws(
      () => H5Logger.recover(file),
      (err: Error) => err instanceof LockedError && err.message.includes(`pid ${pid}`),
    );
  }
  await command("log 100", "rows");
  await command("close", "closed");
  assert.equal((await first.exited).code, 0);
  assert.equal(fs.existsSync(`${file}.lock`), false, "close() releases the lock");
  using reader = H5Logger.openSync(file);
  assert.deepEqual(
    Array.from(reader.get("x").value as Float64Array),
    Array.from({ length: 103 }, (_, i) => i),
  );
});

test("a second writer in the same process is refused, before and after the first flush; the first goes on unharmed", (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, "same.h5");
  const first = new H5Logger(file, { flushEvery: 3_600_000 });
  t.after(() => first.close());
  first.log("x", 0);
  fs.symlinkSync(file, path.join(dir, "alias.h5"));
  for (const moment of ["before", "after"]) {
    if (moment === "after") first.flush();
    for (const name of [file, path.join(dir, "alias.h5"), path.relative(process.cwd(), file)]) {
      for (const replaceIfExists of [false, true]) {
        assert.throws(
          () => new H5Logger(name, { replaceIfExists }),
          (err: Error) => err instanceof LockedError && err.message.includes(`pid ${process.pid}`) && err.message.includes(name),
          `${moment} the first flush, ${name}, replaceIfExists ${replaceIfExists}`,
        );
      }
    }
    first.log("x", 1);
  }
  first.close();
  using reader = H5Logger.openSync(file);
  assert.deepEqual(Array.from(reader.get("x").value as Float64Array), [0, 1, 1]);
});

test("a killed writer's files need no tool: h5py refuses them before recovery and reads them after", async (t) => {
  if (!have(t, "h5py")) return;
  const writer = fixture("crash_writer");
  const file = path.join(tempDir(t), "refused.h5");
  const child = startNode(writer, [file, "plain", "25"], { test: t });
  await child.waitFor((l) => typeof l.rows === "number" && l.rows > 200);
  await new Promise((r) => setTimeout(r, 200));
  child.process.kill("SIGKILL");
  await child.exited;
  const open = `import sys, h5py\nwith h5py.File(sys.argv[1], "r") as f: print(len(f["x"]))`;
  const { spawnSync } = await import("node:child_process");
  const refused = spawnSync(PYTHON, ["-c", open, file], { encoding: "utf8" });
  assert.notEqual(refused.status, 0, "HDF5 refuses a file whose writer was killed");
  assert.match(refused.stderr, /open for write|consistency flags/);
  H5Logger.recover(file);
  const after = spawnSync(PYTHON, ["-c", open, file], { encoding: "utf8" });
  assert.equal(after.status, 0, after.stderr);
  assert.ok(Number(after.stdout) > 0);
});
