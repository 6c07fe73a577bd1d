/**
 * The viewer's server (src/view/): its API answers against what the test logged, and the
 * security rules of issue 12 — the token, the Host allow-list, GET/HEAD only, no CORS, a CSP
 * on every answer, no path in any request (traversal attempts), malformed files that never
 * stop the server, and files left exactly as they were.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { H5Logger } from "../src/index.js";
import type { RunInfo } from "../src/view/catalog.js";
import { startNode } from "./helpers/child.js";
import { CLI, fixture } from "./helpers/paths.js";
import { tempDir } from "./helpers/interop.js";
import { api, raw, viewer } from "./helpers/view.js";

/** A folder with one good run (loss with steps and a spike, a NaN; attributes) and hostile files. */
function folder(dir: string): { good: string; loss: number[] } {
  const good = path.join(dir, "good.h5");
  const logger = new H5Logger(good, { steps: true, attrs: { lr: 0.001, note: "<script>alert(1)</script>" } });
  const loss: number[] = [];
  for (let i = 0; i < 5000; i++) {
    const v = i === 4321 ? 1e6 : i === 17 ? Number.NaN : 1 / (i + 1);
    loss.push(v);
    logger.step = i * 2;
    logger.log("train/loss", v);
  }
  logger.log("flag", true);
  logger.close();
  fs.writeFileSync(path.join(dir, "garbage.h5"), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)));
  fs.writeFileSync(path.join(dir, "empty.h5"), "");
  // An empty file made a moment ago may be a writer's, about to be written: an old one is broken.
  const minuteAgo = new Date(Date.now() - 60_000);
  fs.utimesSync(path.join(dir, "empty.h5"), minuteAgo, minuteAgo);
  fs.writeFileSync(path.join(dir, "text.hdf5"), "not HDF5 at all\n");
  const whole = fs.readFileSync(good);
  fs.writeFileSync(path.join(dir, "truncated.h5"), whole.subarray(0, Math.floor(whole.length / 2)));
  fs.writeFileSync(path.join(dir, "header-only.h5"), whole.subarray(0, 200));
  return { good, loss };
}

function fingerprint(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of fs.readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    const st = fs.lstatSync(full);
    out[name] = st.isFile()
      ? `${st.size}:${st.mtimeMs}:${createHash("sha256").update(fs.readFileSync(full)).digest("hex")}`
      : st.isSymbolicLink()
        ? "link"
        : "dir";
  }
  return out;
}

test("the API answers from the files; malformed files show an error and never stop the server; nothing is modified", async (t) => {
  const dir = tempDir(t);
  const { loss } = folder(dir);
  const before = fingerprint(dir);
  const v = await viewer(t, [dir]);
  const { body } = await api<{ runs: RunInfo[] }>(v, "/api/runs");
  const byName = new Map(body.runs.map((r) => [r.name, r]));
  assert.deepEqual([...byName.keys()].sort(), ["empty", "garbage", "good", "header-only", "text", "truncated"]);
  // A file cut short is read by the reader from a repaired private copy (see README "When
  // things go wrong"); the others cannot be read at all.
  assert.equal(byName.get("truncated")?.live, false);
  for (const bad of ["empty", "garbage", "header-only", "text"]) {
    const run = byName.get(bad) as RunInfo;
    assert.equal(typeof run.error, "string", `${bad} shows an error`);
    assert.deepEqual(run.series, []);
    const answer = await api<{ error: string }>(v, `/api/series?run=${run.id}&name=x`);
    assert.equal(answer.status, 503);
  }
  const good = byName.get("good") as RunInfo;
  assert.equal(good.error, null);
  assert.equal(good.live, false);
  assert.deepEqual(
    good.series.map((s) => [s.name, s.rows, s.dtype, s.hasStep, s.hasTime]),
    [
      ["flag", 1, "bool", true, false],
      ["train/loss", 5000, "float64", true, false],
    ],
  );
  // Buckets against the logged values: one bucket holds everything.
  const one = await api<{ rows: number; buckets: Record<string, unknown[]> }>(v, `/api/series?run=${good.id}&name=train/loss&buckets=1`);
  const finite = loss.filter(Number.isFinite);
  assert.deepEqual(one.body.buckets, {
    x0: [0],
    x1: [4999],
    min: [Math.min(...finite)],
    max: [1e6],
    first: [1],
    last: [1 / 5000],
    count: [4999],
    nan: [1],
    posInf: [0],
    negInf: [0],
  });
  // By step, over a range: steps are 2·row, so steps 100..200 are rows 50..100.
  const ranged = await api<{ buckets: { x0: number[]; x1: number[]; count: number[] } }>(
    v,
    `/api/series?run=${good.id}&name=train/loss&x=step&from=100&to=200&buckets=1000`,
  );
  assert.equal(ranged.body.buckets.x0[0], 100);
  assert.equal(ranged.body.buckets.x1.at(-1), 200);
  assert.equal(
    ranged.body.buckets.count.reduce((a, b) => a + b, 0),
    51,
  );
  const point = await api<{ row: number; value: number; step: number }>(v, `/api/point?run=${good.id}&name=train/loss&x=step&at=8642`);
  assert.deepEqual([point.body.row, point.body.value, point.body.step], [4321, 1e6, 8642]);
  const csv = await api<string>(v, `/api/csv?run=${good.id}&name=train/loss&from=16&to=18`);
  assert.equal(csv.status, 200);
  assert.match(csv.headers.get("content-type") ?? "", /^text\/csv/);
  assert.equal(csv.body, `row,step,train/loss\n16,32,${1 / 17}\n17,34,nan\n18,36,${1 / 19}\n`);
  const attrs = await api<{ attrs: Record<string, unknown> }>(v, `/api/run?run=${good.id}`);
  assert.deepEqual(attrs.body.attrs, { lr: 0.001, note: "<script>alert(1)</script>" });
  // Bad parameters are errors, not crashes.
  for (const q of ["buckets=0", "buckets=abc", "x=wall", "from=5&to=1", "smooth=1", "x=time"]) {
    const r = await api(v, `/api/series?run=${good.id}&name=train/loss&${q}`);
    assert.equal(r.status, 400, q);
  }
  assert.equal((await api(v, `/api/series?run=${good.id}&name=nope`)).status, 404);
  assert.equal((await api(v, "/api/series?name=train/loss")).status, 400);
  // Still serving, and nothing changed or appeared in the folder.
  assert.equal((await api(v, "/api/runs")).status, 200);
  await v.close();
  assert.deepEqual(fingerprint(dir), before);
});

test("a token on every request, a Host allow-list, GET and HEAD only, no CORS, a CSP on every answer", async (t) => {
  const dir = tempDir(t);
  folder(dir);
  const v = await viewer(t, [dir]);
  const host = `Host: 127.0.0.1:${v.port}`;
  const answers = {
    none: await raw(v.port, `GET /api/runs HTTP/1.1\r\n${host}`),
    wrong: await raw(v.port, `GET /api/runs?token=${"0".repeat(32)} HTTP/1.1\r\n${host}`),
    short: await raw(v.port, `GET /api/runs?token=abc HTTP/1.1\r\n${host}`),
    wrongCookie: await raw(v.port, `GET /api/runs HTTP/1.1\r\n${host}\r\nCookie: h5logger_view_${v.port}=${"f".repeat(32)}`),
    otherPortCookie: await raw(v.port, `GET /api/runs HTTP/1.1\r\n${host}\r\nCookie: h5logger_view_${v.port + 1}=${v.token}`),
    page: await raw(v.port, `GET /?token=${v.token} HTTP/1.1\r\n${host}`),
    cookie: await raw(v.port, `GET /api/runs HTTP/1.1\r\n${host}\r\nCookie: a=b; h5logger_view_${v.port}=${v.token}`),
    localhost: await raw(v.port, `GET /api/runs?token=${v.token} HTTP/1.1\r\nHost: localhost:${v.port}`),
    ipv6: await raw(v.port, `GET /api/runs?token=${v.token} HTTP/1.1\r\nHost: [::1]:${v.port}`),
    rebinding: await raw(v.port, `GET /api/runs?token=${v.token} HTTP/1.1\r\nHost: attacker.example:${v.port}`),
    lookalike: await raw(v.port, `GET /api/runs?token=${v.token} HTTP/1.1\r\nHost: localhost.attacker.example`),
    noHost: await raw(v.port, `GET /api/runs?token=${v.token} HTTP/1.0`),
    post: await raw(v.port, `POST /api/runs?token=${v.token} HTTP/1.1\r\n${host}\r\nContent-Length: 0`),
    options: await raw(
      v.port,
      `OPTIONS /api/runs?token=${v.token} HTTP/1.1\r\n${host}\r\nOrigin: http://attacker.example\r\nAccess-Control-Request-Method: GET`,
    ),
    cors: await raw(v.port, `GET /api/runs?token=${v.token} HTTP/1.1\r\n${host}\r\nOrigin: http://attacker.example`),
    head: await raw(v.port, `HEAD /api/runs?token=${v.token} HTTP/1.1\r\n${host}`),
  };
  const status = Object.fromEntries(Object.entries(answers).map(([k, r]) => [k, r.status]));
  assert.deepEqual(status, {
    none: 401,
    wrong: 403,
    short: 403,
    wrongCookie: 403,
    otherPortCookie: 401,
    page: 200,
    cookie: 200,
    localhost: 200,
    ipv6: 200,
    rebinding: 403,
    lookalike: 403,
    noHost: 403,
    post: 405,
    options: 405,
    cors: 200,
    head: 200,
  });
  assert.match(answers.page.headers["set-cookie"] ?? "", new RegExp(`^h5logger_view_${v.port}=${v.token}; HttpOnly; SameSite=Strict`));
  assert.equal(answers.head.body, "");
  for (const [name, r] of Object.entries(answers)) {
    assert.match(r.headers["content-security-policy"] ?? "", /default-src 'none'; script-src 'self'/, `${name} has the CSP`);
    assert.equal(r.headers["x-content-type-options"], "nosniff");
    for (const header of Object.keys(r.headers)) assert.ok(!header.startsWith("access-control-"), `${name}: no CORS header (${header})`);
  }
  // A rebinding page learns nothing: the refusal carries no data.
  assert.doesNotMatch(answers.rebinding.body, /good/);
});

test("no path in any request: traversal attempts and paths as run ids reach nothing; links out of a watched folder are left out", async (t) => {
  const dir = tempDir(t);
  const outside = tempDir(t);
  const secret = path.join(outside, "secret.h5");
  const logger = new H5Logger(secret);
  logger.log("secret", 42);
  logger.close();
  const watched = path.join(dir, "runs");
  fs.mkdirSync(watched);
  const own = new H5Logger(path.join(watched, "mine.h5"));
  own.log("x", 1);
  own.close();
  fs.symlinkSync(secret, path.join(watched, "link.h5"));
  fs.symlinkSync(outside, path.join(watched, "linked-dir"));
  const v = await viewer(t, [watched]);
  const { body } = await api<{ runs: RunInfo[] }>(v, "/api/runs");
  assert.deepEqual(
    body.runs.map((r) => r.name),
    ["mine"],
  );
  const cookie = `Cookie: h5logger_view_${v.port}=${v.token}`;
  const host = `Host: 127.0.0.1:${v.port}`;
  for (const target of [
    "/assets/../../package.json",
    "/assets/..%2f..%2fpackage.json",
    "/assets/%2e%2e/%2e%2e/package.json",
    "/..%2f..%2f..%2fetc%2fpasswd",
    "//etc/passwd",
    "/assets/uPlot.iife.min.js/../../../../package.json",
    `/api/series?run=${encodeURIComponent(secret)}&name=secret`,
    `/api/series?run=..%2F..%2F..%2Fetc%2Fpasswd&name=x`,
    `/api/run?run=${encodeURIComponent(secret)}`,
    `/api/csv?run=${encodeURIComponent(secret)}&name=secret`,
    `/api/series?run=${body.runs[0]?.id}&name=${encodeURIComponent("../../secret")}`,
  ]) {
    const r = await raw(v.port, `GET ${target} HTTP/1.1\r\n${host}\r\n${cookie}`);
    assert.ok([400, 404].includes(r.status), `${target}: ${r.status}`);
    assert.doesNotMatch(r.body, /"name": "h5logger"|root:|secret.*42/);
  }
});

test("h5logger view prints its URL first, serves it, warns about a non-loopback host, and stops on Ctrl-C", async (t) => {
  const dir = tempDir(t);
  folder(dir);
  const cli = CLI;
  const child = spawn(process.execPath, [cli, "view", dir, "--port", "0", "--host", "127.0.0.2"], { stdio: ["ignore", "pipe", "pipe"] });
  t.after(() => child.kill("SIGKILL"));
  let out = "";
  let err = "";
  child.stderr.setEncoding("utf8").on("data", (c: string) => {
    err += c;
  });
  const firstLine = await new Promise<string>((resolve, reject) => {
    child.stdout.setEncoding("utf8").on("data", (c: string) => {
      out += c;
      if (out.includes("\n")) resolve(out.split("\n")[0] as string);
    });
    child.on("exit", () => reject(new Error(`exited early: ${err}`)));
  });
  const m = /^h5logger view: (http:\/\/127\.0\.0\.2:(\d+)\/\?token=([0-9a-f]{32})) {3}\(Ctrl-C to stop\)$/.exec(firstLine);
  assert.ok(m, `first line: ${firstLine}`);
  const res = await fetch(`${m[1]}`);
  assert.equal(res.status, 200);
  assert.match(await res.text(), /<title>h5logger view<\/title>/);
  assert.equal((await fetch(`http://127.0.0.2:${m[2]}/api/runs`)).status, 401);
  assert.match(err, /warning: listening on 127\.0\.0\.2/);
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  child.kill("SIGINT");
  assert.equal(await exited, 0);
});

test("the event stream pushes new rows of a file being written, and new files in a watched folder", { timeout: 60_000 }, async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, "live.h5");
  const writer = startNode(fixture("view_writer"), [file, "plain"], { test: t, stdin: true });
  await writer.waitFor((l) => l.ready === true);
  writer.process.stdin?.write("10\n");
  await writer.waitFor((l) => l.rows === 10);
  const v = await viewer(t, [dir]);
  const controller = new AbortController();
  t.after(() => controller.abort());
  const res = await fetch(`http://127.0.0.1:${v.port}/api/events`, {
    headers: { Cookie: `h5logger_view_${v.port}=${v.token}` },
    signal: controller.signal,
  });
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/event-stream/);
  const reader = (res.body as ReadableStream<Uint8Array>).pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  const until = async (pattern: RegExp) => {
    while (!pattern.test(text)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`stream ended before ${pattern}: ${text}`);
      text += value;
    }
  };
  writer.process.stdin?.write("25\n");
  await writer.waitFor((l) => l.rows === 35);
  await until(/event: rows\ndata: \{[^\n]*"name":"train\/loss","rows":35/);
  const second = new H5Logger(path.join(dir, "new-run.h5"));
  second.log("y", 1);
  second.close();
  await until(/event: runs\ndata: [^\n]*"name":"new-run"/);
  const { body } = await api<{ runs: RunInfo[] }>(v, "/api/runs");
  const live = body.runs.find((r) => r.name === "live") as RunInfo;
  assert.equal(live.live, true, "a run being written is marked live");
  writer.process.stdin?.write("close\n");
  await writer.exited;
});
