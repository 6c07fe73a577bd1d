/**
 * The cross-process writer lock (src/lock.ts): `<file>.lock`, its holder, stale locks.
 * No HDF5 here: the lock is plain files and process ids.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { LockedError } from "../src/model/errors.js";
import { acquireLock, inspectLock } from "../src/recovery/lock.js";
import { locateForWriting } from "../src/recovery/location.js";
import { startNode } from "./helpers/child.js";
import { tempDir } from "./helpers/interop.js";
import { fixture } from "./helpers/paths.js";

const acquire = (file: string) => acquireLock(locateForWriting(file));
const inspect = (file: string) => inspectLock(locateForWriting(file));
const lockPath = (file: string) => locateForWriting(file).lock;

/** The pid of a process that has ended. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(child.stdout);
}

function writeLock(file: string, holder: object): string {
  const lock = `${file}.lock`;
  fs.writeFileSync(lock, JSON.stringify(holder));
  return lock;
}

test("acquire writes { pid, hostname, startedAt } to <file>.lock; release removes it, twice is fine", (t) => {
  const file = path.join(tempDir(t), "run.h5");
  const lock = acquire(file);
  assert.equal(lock.path, `${fs.realpathSync(path.dirname(file))}/run.h5.lock`);
  const holder = JSON.parse(fs.readFileSync(lock.path, "utf8"));
  assert.equal(holder.pid, process.pid);
  assert.equal(holder.hostname, os.hostname());
  assert.ok(Math.abs(Date.parse(holder.startedAt) - Date.now()) < 60_000);
  assert.equal(lock.replaced, null);
  assert.deepEqual(inspect(file), { state: "alive", holder: lock.holder });
  lock.release();
  lock.release();
  assert.equal(fs.existsSync(lock.path), false);
  assert.deepEqual(inspect(file), { state: "none" });
});

test("a lock held by a live process is refused, naming the file and the holder's pid", (t) => {
  const file = path.join(tempDir(t), "held.h5");
  const sleeper = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
  t.after(() => sleeper.kill("SIGKILL"));
  const pid = sleeper.pid as number;
  const lock = writeLock(file, { pid, hostname: os.hostname(), startedAt: "2026-01-01T00:00:00.000Z" });
  assert.throws(
    () => acquire(file),
    (err: Error) => err instanceof LockedError && err.message.startsWith(file) && err.message.includes(`pid ${pid} on ${os.hostname()}`),
  );
  assert.equal(inspect(file).state, "alive");
  assert.equal(JSON.parse(fs.readFileSync(lock, "utf8")).pid, pid, "the holder's lock is left alone");
  // In this process too (another copy of h5logger would hold it like this).
  const mine = acquire(path.join(path.dirname(file), "mine.h5"));
  t.after(() => mine.release());
  assert.throws(
    () => acquire(path.join(path.dirname(file), "mine.h5")),
    (err: Error) => err instanceof LockedError && /this process/.test(err.message),
  );
});

test("a stale lock from a dead process on this host is detected, reported and taken over", (t) => {
  const file = path.join(tempDir(t), "stale.h5");
  const pid = deadPid();
  writeLock(file, { pid, hostname: os.hostname(), startedAt: "2026-01-01T00:00:00.000Z" });
  assert.equal(inspect(file).state, "dead");
  const lock = acquire(file);
  t.after(() => lock.release());
  assert.equal(lock.replaced?.pid, pid, "the returned info names the dead writer");
  assert.equal(JSON.parse(fs.readFileSync(lock.path, "utf8")).pid, process.pid);
});

test("a lock whose pid was reused by a later process is stale (Linux: process start times differ)", (t) => {
  if (!fs.existsSync(`/proc/${process.pid}/stat`)) return t.skip("no /proc here: pid reuse cannot be told apart");
  const file = path.join(tempDir(t), "reused.h5");
  writeLock(file, { pid: process.pid, hostname: os.hostname(), startedAt: "2020-01-01T00:00:00.000Z", processStart: 1 });
  const lock = acquire(file);
  t.after(() => lock.release());
  assert.equal(lock.replaced?.pid, process.pid);
});

test("a lock from another host is never taken over: the error says which host, and which file to delete", (t) => {
  const file = path.join(tempDir(t), "remote.h5");
  const lock = writeLock(file, { pid: deadPid(), hostname: "elsewhere.example", startedAt: "2026-01-01T00:00:00.000Z" });
  assert.equal(inspect(file).state, "unknown");
  assert.throws(
    () => acquire(file),
    (err: Error) =>
      err instanceof LockedError && err.message.includes("elsewhere.example") && err.message.includes(`delete ${fs.realpathSync(lock)}`),
  );
  assert.ok(fs.existsSync(lock));
});

test("an empty lock file: a writer creating it right now, or (when old) one that died doing so", (t) => {
  const file = path.join(tempDir(t), "empty.h5");
  const lock = `${file}.lock`;
  fs.writeFileSync(lock, "");
  assert.deepEqual(inspect(file), { state: "unreadable", dead: false });
  assert.throws(
    () => acquire(file),
    (err: Error) => err instanceof LockedError && /right now/.test(err.message),
  );
  const old = new Date(Date.now() - 60_000);
  fs.utimesSync(lock, old, old);
  assert.deepEqual(inspect(file), { state: "unreadable", dead: true });
  const taken = acquire(file);
  t.after(() => taken.release());
  assert.equal(taken.replaced, null, "no holder to report: the lock said nothing");
});

test("the lock sits beside the real file: a symlink and the file share one lock", (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, "real.h5");
  fs.writeFileSync(file, "");
  fs.symlinkSync(file, path.join(dir, "link.h5"));
  assert.equal(lockPath(path.join(dir, "link.h5")), `${fs.realpathSync(file)}.lock`);
  const lock = acquire(file);
  t.after(() => lock.release());
  assert.throws(() => acquire(path.join(dir, "link.h5")), LockedError);
});

test("release leaves a lock that is no longer ours (deleted by hand and taken by another writer)", (t) => {
  const file = path.join(tempDir(t), "taken.h5");
  const lock = acquire(file);
  const other = { pid: deadPid(), hostname: os.hostname(), startedAt: "2026-01-01T00:00:00.000Z" };
  fs.writeFileSync(lock.path, JSON.stringify(other));
  lock.release();
  assert.deepEqual(JSON.parse(fs.readFileSync(lock.path, "utf8")), other);
});

test("processes racing to take over one stale lock: exactly one wins", async (t) => {
  const script = fixture("take_lock");
  const file = path.join(tempDir(t), "race.h5");
  const pid = deadPid();
  writeLock(file, { pid, hostname: os.hostname(), startedAt: "2026-01-01T00:00:00.000Z" });
  // They all start by then, and then try at the same moment.
  const startAt = String(Date.now() + 3000);
  const racers = Array.from({ length: 8 }, () => startNode(script, [file, startAt], { test: t }));
  const results = await Promise.all(racers.map((r) => r.waitFor((l) => "took" in l || "error" in l)));
  fs.writeFileSync(`${file}.release`, ""); // the winner holds the lock until every racer has tried
  const winners = results.filter((r) => r.took === true);
  assert.equal(winners.length, 1, JSON.stringify(results));
  assert.equal(winners[0]?.replaced, pid);
  for (const loser of results.filter((r) => !r.took))
    assert.match(String(loser.error), /being written by another process|taking over|right now/);
  await Promise.all(racers.map((r) => r.exited));
  assert.equal(fs.existsSync(`${file}.lock`), false, "the winner released it");
  assert.equal(fs.existsSync(`${file}.lock.takeover`), false);
});
