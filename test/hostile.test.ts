/**
 * Hostile input (issue 5): a property-based test of more than 10,000 mixed valid and invalid
 * calls. Names are random (unicode, slashes, very long), values random in dtype, shape and
 * content (NaN, ±Infinity, -0, 64-bit extremes, huge and empty arrays), options sometimes
 * wrong. Every call has an intent:
 *   valid    built to fit (a new dataset, or an existing one's dtype and row shape): must be accepted;
 *   invalid  built not to fit: must throw InvalidValue/InvalidName/InvalidOption naming the dataset;
 *   wild     anything, on an existing dataset: either outcome, but an accepted row must read back exactly.
 * After each run the file must hold exactly the accepted rows (our reader); at the end h5py
 * reads every file once and must see the same. FC_SEED=N replays a run.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import fc from "fast-check";
import { H5Logger, isH5LoggerError } from "../src/index.js";
import type { Dtype } from "../src/model/dtype.js";
import { have, PYTHON, tempDir } from "./helpers/interop.js";

const RUNS = 60;
const CALLS = { minLength: 170, maxLength: 230 };

type Leaf = number | bigint | boolean | string;
type Form = "number" | "bigint" | "boolean" | "string" | "typed" | "nested" | "shaped";
/** How a dataset was created: later valid rows take the same form. */
interface Spec {
  form: Form;
  dtype: Dtype;
  shape: number[];
}
interface Dataset {
  spec: Spec;
  rows: Leaf[][];
  /** Steps of the rows, when the dataset records them. */
  steps: number[] | null;
}
/** Random content, cycled to fill a value of any size. */
interface Material {
  doubles: number[];
  floats: number[];
  ints: bigint[];
  bools: boolean[];
  strings: string[];
}

const TYPED: Record<string, new (n: number) => ArrayLike<number | bigint>> = {
  float64: Float64Array,
  float32: Float32Array,
  int8: Int8Array,
  int16: Int16Array,
  int32: Int32Array,
  int64: BigInt64Array,
  uint8: Uint8Array,
  uint16: Uint16Array,
  uint32: Uint32Array,
  uint64: BigUint64Array,
};
const RANGES: Record<string, [bigint, bigint]> = {
  int8: [-128n, 127n],
  int16: [-32768n, 32767n],
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint8: [0n, 255n],
  uint16: [0n, 65535n],
  uint32: [0n, 2n ** 32n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
};

// ---- arbitraries -----------------------------------------------------------------------

const specialDoubles = fc.constantFrom(
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  -0,
  0,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  2 ** 53 + 2,
);
const material: fc.Arbitrary<Material> = fc.record({
  doubles: fc.array(fc.oneof(fc.double(), specialDoubles), { minLength: 1, maxLength: 12 }),
  floats: fc.array(fc.float(), { minLength: 1, maxLength: 12 }),
  ints: fc.array(
    fc.oneof(fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }), fc.constantFrom(0n, -1n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 64n - 1n)),
    { minLength: 1, maxLength: 12 },
  ),
  bools: fc.array(fc.boolean(), { minLength: 1, maxLength: 12 }),
  strings: fc.array(
    fc.string({ unit: "grapheme", maxLength: 30 }).filter((s) => !s.includes("\0")),
    { minLength: 1, maxLength: 12 },
  ),
});

const segment = fc
  .oneof(
    { arbitrary: fc.string({ unit: "grapheme", minLength: 1, maxLength: 12 }), weight: 8 },
    { arbitrary: fc.string({ unit: "grapheme-ascii", minLength: 300, maxLength: 3000 }), weight: 1 },
  )
  .filter((s) => !s.includes("/") && !s.includes("\0") && s !== "." && s !== ".." && !/\.(step|time)$/.test(s));
const validName = fc
  .tuple(fc.boolean(), fc.array(segment, { minLength: 1, maxLength: 3 }))
  .map(([slash, parts]) => (slash ? "/" : "") + parts.join("/"));
const invalidName = fc.constantFrom<unknown>(
  "",
  "/",
  "a//b",
  "a/",
  "./a",
  "a/../b",
  "x.step",
  "g/y.time",
  "a\0b",
  "\uD800",
  "b/\uDC00c",
  5,
  undefined,
  null,
  {},
  ["a"],
);

const spec: fc.Arbitrary<Spec> = fc.oneof(
  fc.constant<Spec>({ form: "number", dtype: "float64", shape: [] }),
  fc.constantFrom<Dtype>("float32", "int32", "uint8", "int64").map<Spec>((dtype) => ({ form: "number", dtype, shape: [] })),
  fc.constant<Spec>({ form: "bigint", dtype: "int64", shape: [] }),
  fc.constant<Spec>({ form: "boolean", dtype: "bool", shape: [] }),
  fc.constant<Spec>({ form: "string", dtype: "string", shape: [] }),
  fc
    .tuple(
      fc.constantFrom(...Object.keys(TYPED)),
      fc.oneof({ arbitrary: fc.nat(12), weight: 60 }, { arbitrary: fc.integer({ min: 20_000, max: 70_000 }), weight: 1 }),
    )
    .map<Spec>(([dtype, n]) => ({ form: "typed", dtype: dtype as Dtype, shape: [n] })),
  fc
    .tuple(fc.constantFrom<Dtype>("float64", "int64", "bool"), fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }))
    .map<Spec>(([dtype, shape]) => ({ form: "nested", dtype, shape })),
  fc
    .tuple(fc.constantFrom(...Object.keys(TYPED)), fc.array(fc.nat(4), { minLength: 1, maxLength: 3 }))
    .map<Spec>(([dtype, shape]) => ({ form: "shaped", dtype: dtype as Dtype, shape })),
);

const badOptions = fc.constantFrom<unknown>(
  null,
  "x",
  5,
  { bogus: 1 },
  { dtype: "complex128" },
  { step: 1.5 },
  { step: Number.NaN },
  { step: "1" },
  { dtype: 7 },
);
const weird = fc.constantFrom<unknown>(
  undefined,
  null,
  {},
  () => 1,
  Symbol("s"),
  new Date(0),
  new Map(),
  [undefined],
  [[1], 2],
  [1, "a"],
  { data: [1, 2], shape: [2] },
  { data: new Float64Array(3), shape: [2] },
  { shape: [1] },
);

const call = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant("validNew" as const),
      name: validName,
      spec,
      m: material,
      step: fc.option(fc.integer({ min: -1000, max: 1000 })),
      withDtype: fc.boolean(),
    }),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("validExisting" as const),
      pick: fc.nat(),
      m: material,
      step: fc.option(fc.integer({ min: -1000, max: 1000 })),
    }),
    weight: 10,
  },
  { arbitrary: fc.record({ kind: fc.constant("invalidValue" as const), pick: fc.nat(), how: fc.nat(20), m: material, weird }), weight: 4 },
  {
    arbitrary: fc.record({ kind: fc.constant("invalidName" as const), name: invalidName, pick: fc.nat(), collide: fc.boolean() }),
    weight: 2,
  },
  {
    arbitrary: fc.record({ kind: fc.constant("invalidOptions" as const), pick: fc.nat(), options: badOptions, otherDtype: fc.boolean() }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("wild" as const),
      pick: fc.nat(),
      value: fc.oneof(
        spec.chain((s) => material.map((m) => build(s, m).value)),
        weird,
        fc.anything(),
      ),
    }),
    weight: 3,
  },
);

// ---- building values --------------------------------------------------------------------

function element(dtype: Dtype, m: Material, i: number): Leaf {
  const cycle = <T>(list: T[]) => list[i % list.length] as T;
  if (dtype === "float64") return cycle(m.doubles);
  if (dtype === "float32") return cycle(m.floats);
  if (dtype === "bool") return cycle(m.bools);
  if (dtype === "string") return cycle(m.strings);
  const [lo, hi] = RANGES[dtype] as [bigint, bigint];
  const raw = cycle(m.ints) + BigInt(i);
  return lo + ((((raw - lo) % (hi - lo + 1n)) + (hi - lo + 1n)) % (hi - lo + 1n));
}

/** A value of `spec`'s form, dtype and row shape, and the leaves it stores (row-major). */
function build(s: Spec, m: Material): { value: unknown; leaves: Leaf[] } {
  const size = s.shape.reduce((a, b) => a * b, 1);
  const leaves = Array.from({ length: size }, (_, i) => element(s.dtype, m, i));
  if (s.form === "number") {
    // Integers as numbers must be safe integers to mean exactly what they say.
    const leaf = leaves[0] as Leaf;
    const n = typeof leaf === "bigint" ? Number(BigInt.asIntN(52, leaf)) : (leaf as number);
    const fitted = s.dtype === "uint8" ? Math.abs(n) % 256 : s.dtype === "int32" ? n % 2 ** 31 : n;
    return { value: fitted, leaves: [fitted] };
  }
  if (s.form === "bigint" || s.form === "boolean" || s.form === "string") return { value: leaves[0], leaves };
  if (s.form === "typed" || s.form === "shaped") {
    const array = new (TYPED[s.dtype] as new (n: number) => (number | bigint)[])(size);
    const big = s.dtype === "int64" || s.dtype === "uint64";
    leaves.forEach((leaf, i) => {
      array[i] = big ? BigInt(leaf as bigint) : Number(leaf);
    });
    const stored = Array.from(array as ArrayLike<Leaf>); // float32: what the array holds
    return { value: s.form === "typed" ? array : { data: array, shape: [...s.shape] }, leaves: stored };
  }
  const nest = (depth: number, at: number): unknown =>
    depth === s.shape.length
      ? leaves[at]
      : Array.from({ length: s.shape[depth] as number }, (_, k) => nest(depth + 1, at * (s.shape[depth] as number) + k));
  return { value: nest(0, 0), leaves };
}

/** A value that does not fit `s`, by one of several means. */
function misfit(s: Spec, how: number, m: Material): unknown {
  const scalar = s.shape.length === 0;
  const options: unknown[] = [
    scalar ? [1, 2] : 1, // row shape
    scalar ? new Float64Array(0) : [...Array(s.shape[0] ?? 0).fill(0), 0],
    s.dtype === "string" ? 1 : "text",
    s.dtype === "bool" ? 1 : true,
    s.dtype === "string" ? "a\0b" : s.dtype === "bool" ? "true" : 2n ** 70n,
    s.dtype === "string" ? "lone \uD800" : s.dtype === "float64" || s.dtype === "float32" ? 1n : 0.5,
    s.dtype.startsWith("int") || s.dtype.startsWith("uint") ? Number.NaN : s.dtype === "float32" ? 1e39 : undefined,
    s.dtype.startsWith("uint") ? -1 : s.dtype === "int8" ? 128 : null,
  ];
  if (s.form === "typed" && s.dtype !== "float64") options.push(new Float64Array(s.shape[0] as number));
  if (s.form === "typed" && s.dtype === "float64") options.push(new BigInt64Array(s.shape[0] as number));
  if (s.form === "nested" && (s.shape[0] ?? 0) > 1) {
    // Ragged: a value where a row of the inner shape belongs, or an array where a value belongs.
    const inner = build({ ...s, shape: s.shape.slice(1) }, m).value;
    options.push(s.shape.length > 1 ? [inner, 7] : [inner, [inner]]);
  }
  if (s.form === "shaped")
    options.push({ data: new (TYPED[s.dtype] as new (n: number) => unknown)(s.shape.reduce((a, b) => a * b, 1) + 1), shape: s.shape });
  return options[how % options.length];
}

// ---- comparing ---------------------------------------------------------------------------

function same(expected: Leaf, actual: unknown, dtype: Dtype): boolean {
  if (dtype === "float64") return Object.is(Number(expected), actual);
  if (dtype === "float32") return Object.is(Math.fround(Number(expected)), actual);
  if (dtype === "int64" || dtype === "uint64") return typeof actual === "bigint" && BigInt(expected as number | bigint) === actual;
  if (dtype === "bool" || dtype === "string") return expected === actual;
  return Number(expected) === actual;
}

function leavesOf(value: unknown): Leaf[] {
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<Leaf>);
  if (Array.isArray(value)) return value.flat(Number.POSITIVE_INFINITY) as Leaf[];
  if (typeof value === "object" && value !== null && "data" in value) return Array.from((value as { data: ArrayLike<Leaf> }).data);
  return [value as Leaf];
}

function show(value: unknown): string {
  try {
    return `${Object.prototype.toString.call(value)} ${JSON.stringify(value, (_, v) => (typeof v === "bigint" ? `${v}n` : v))?.slice(0, 80)}`;
  } catch {
    return String(value);
  }
}

function namesIn(err: unknown, name: unknown): boolean {
  const message = (err as Error).message;
  const text = String(name);
  return message.includes(text) || message.includes(text.replace(/^\//, "")) || message.includes(JSON.stringify(text).slice(1, -1));
}

// ---- the test ------------------------------------------------------------------------------

test(`hostile input: ${RUNS} runs of ${CALLS.minLength}-${CALLS.maxLength} random calls; valid rows exact, invalid calls refused and write nothing`, {
  timeout: 240_000,
}, (t) => {
  const dir = tempDir(t, "h5logger-hostile-");
  const files: { file: string; datasets: Map<string, Dataset> }[] = [];
  let calls = 0;
  let accepted = 0;
  let refused = 0;
  let run = 0;
  const seed = Number(process.env.FC_SEED ?? Math.floor(Math.random() * 2 ** 31));
  t.diagnostic(`fast-check seed ${seed} (FC_SEED=${seed} replays this test)`);

  const failure = (err: unknown) => {
    // fast-check's report prints the whole script (megabytes); the cause says what went wrong.
    const cause = (err as Error & { cause?: Error }).cause ?? (err as Error);
    return new Error(`${cause.message}\n(fast-check seed ${seed}; FC_SEED=${seed} replays it)`, { cause });
  };
  try {
    fc.assert(
      fc.property(
        fc.array(call, CALLS),
        fc.constantFrom(1, 50, 1000),
        fc.constantFrom(4096, 1 << 26),
        (script, flushEvery, maxBufferBytes) => {
          const file = path.join(dir, `run-${run++}.h5`);
          // Wrong constructor options: refused, and no file written.
          assert.throws(
            () => new H5Logger(file, { flushEvery: -1 }),
            (err) => isH5LoggerError(err, "InvalidOption") && /flushEvery/.test((err as Error).message),
          );
          assert.throws(
            () => new H5Logger(file, { colour: "red" } as never),
            (err) => isH5LoggerError(err, "InvalidOption") && /colour/.test((err as Error).message),
          );
          assert.equal(fs.existsSync(file), false);
          const datasets = new Map<string, Dataset>();
          const logger = new H5Logger(file, { flushEvery, maxBufferBytes });
          try {
            const existing = (pick: number) => {
              const names = [...datasets.keys()];
              return names.length === 0 ? null : (names[pick % names.length] as string);
            };
            const expectRefusal = (name: unknown, kinds: string[], fn: () => void, what: string) => {
              calls++;
              refused++;
              let error: unknown = null;
              try {
                fn();
              } catch (err) {
                error = err;
              }
              assert.ok(error, `${what}: accepted, but must be refused with ${kinds.join("/")}`);
              assert.ok(isH5LoggerError(error) && kinds.includes(error.kind), `${what}: expected ${kinds.join("/")}, got ${String(error)}`);
              assert.ok(
                namesIn(error, name),
                `${what}: the message must name the dataset ${JSON.stringify(name)}: ${(error as Error).message}`,
              );
            };
            for (const c of script) {
              if (c.kind === "validNew") {
                const canonical = c.name.replace(/^\//, "");
                const clash = [...datasets.keys()].some(
                  (d) => d === canonical || d.startsWith(`${canonical}/`) || canonical.startsWith(`${d}/`),
                );
                if (clash) continue;
                const { value, leaves } = build(c.spec, c.m);
                const options = {
                  ...(c.step !== null ? { step: c.step } : {}),
                  ...(c.withDtype || c.spec.form === "number" ? { dtype: c.spec.dtype } : {}),
                };
                calls++;
                accepted++;
                logger.log(c.name, value, Object.keys(options).length > 0 ? options : undefined);
                datasets.set(canonical, { spec: c.spec, rows: [leaves], steps: c.step !== null ? [c.step] : null });
              } else if (c.kind === "validExisting") {
                const name = existing(c.pick);
                if (name === null) continue;
                const d = datasets.get(name) as Dataset;
                const { value, leaves } = build(d.spec, c.m);
                if (c.step !== null && d.steps === null) {
                  // A step for a dataset that has rows without steps cannot be stored: refused, never dropped.
                  expectRefusal(
                    name,
                    ["InvalidValue"],
                    () => logger.log(name, value, { step: c.step as number }),
                    "a step without a step column",
                  );
                  continue;
                }
                calls++;
                accepted++;
                logger.log(name, value, c.step !== null ? { step: c.step } : undefined);
                d.rows.push(leaves);
                d.steps?.push(c.step ?? 0);
              } else if (c.kind === "invalidValue") {
                const name = existing(c.pick);
                const value = name === null || c.how % 5 === 0 ? c.weird : misfit((datasets.get(name) as Dataset).spec, c.how, c.m);
                const target = name === null || c.how % 5 === 0 ? `fresh/${c.how}` : name;
                if (
                  [...datasets.keys()].some((d) => d === target || target.startsWith(`${d}/`) || d.startsWith(`${target}/`)) &&
                  target !== name
                )
                  continue;
                expectRefusal(
                  target,
                  ["InvalidValue"],
                  () => logger.log(target, value),
                  `log(${target}, ${show(value)}) into ${JSON.stringify(name === null ? null : datasets.get(name)?.spec)}`,
                );
              } else if (c.kind === "invalidName") {
                const name = existing(c.pick);
                if (c.collide && name !== null) {
                  // A dataset cannot hold another; a group is not a dataset.
                  const inside = `${name}/child`;
                  expectRefusal(inside, ["InvalidName"], () => logger.log(inside, 1), `log(${inside})`);
                  const group = name.includes("/") ? name.slice(0, name.lastIndexOf("/")) : null;
                  if (group !== null && !datasets.has(group))
                    expectRefusal(group, ["InvalidName"], () => logger.log(group, 1), `log(${group})`);
                } else {
                  expectRefusal(c.name, ["InvalidName"], () => logger.log(c.name as string, 1), `log(${String(c.name)})`);
                }
              } else if (c.kind === "invalidOptions") {
                const name = existing(c.pick);
                if (name !== null && c.otherDtype) {
                  const d = datasets.get(name) as Dataset;
                  const other = d.spec.dtype === "float64" ? "int8" : "float64";
                  expectRefusal(
                    name,
                    ["InvalidValue"],
                    () =>
                      logger.log(name, build(d.spec, { doubles: [0], floats: [0], ints: [0n], bools: [false], strings: [""] }).value, {
                        dtype: other,
                      }),
                    `log(${name}, { dtype: ${other} })`,
                  );
                } else {
                  const target = name ?? "fresh/options";
                  expectRefusal(
                    target,
                    ["InvalidOption"],
                    () => logger.log(target, 1, c.options as never),
                    `log(${target}, ${String(c.options)})`,
                  );
                }
              } else {
                const name = existing(c.pick);
                if (name === null) continue;
                const d = datasets.get(name) as Dataset;
                const value = c.value;
                calls++;
                try {
                  logger.log(name, value);
                } catch (err) {
                  refused++;
                  assert.ok(
                    isH5LoggerError(err) && ["InvalidValue", "InvalidName"].includes(err.kind),
                    `wild value into ${name}: ${String(err)}`,
                  );
                  assert.ok(namesIn(err, name), `the message must name ${name}: ${(err as Error).message}`);
                  continue;
                }
                accepted++;
                d.rows.push(leavesOf(value));
                d.steps?.push(0);
              }
            }
          } finally {
            logger.close();
          }
          check(file, datasets);
          files.push({ file, datasets });
        },
      ),
      { numRuns: RUNS, seed, endOnFailure: true },
    );
  } catch (err) {
    throw failure(err);
  }

  assert.ok(calls >= 10_000, `only ${calls} calls`);
  t.diagnostic(`${calls} calls: ${accepted} accepted and read back exactly, ${refused} refused with a clear error`);
  if (have(t, "h5py")) checkWithH5py(files);
});

/** The file holds exactly the accepted rows: no dataset, row or companion more or less. */
function check(file: string, datasets: Map<string, Dataset>): void {
  using reader = H5Logger.openSync(file);
  const expected = [...datasets].flatMap(([name, d]) => (d.steps ? [name, `${name}.step`] : [name])).sort();
  assert.deepEqual(reader.keys(), expected, "exactly the datasets of accepted calls");
  for (const [name, d] of datasets) {
    const view = reader.get(name);
    assert.deepEqual(view.shape, [d.rows.length, ...d.spec.shape], `${name}: shape`);
    const dtype = view.dtype as Dtype;
    const rows = view.toArray();
    d.rows.forEach((leaves, r) => {
      const got = leavesOf(rows[r]);
      assert.equal(got.length, leaves.length, `${name}[${r}]: element count`);
      leaves.forEach((leaf, i) => {
        assert.ok(same(leaf, got[i], dtype), `${name}[${r}][${i}]: logged ${String(leaf)}, read ${String(got[i])} (${dtype})`);
      });
    });
    if (d.steps) assert.deepEqual(reader.get(`${name}.step`).toArray(), d.steps.map(BigInt), `${name}.step`);
  }
}

// One Python process reads every file; numbers cross as text so NaN, -0 and 64-bit integers stay exact.
const H5PY_DUMP = `
import sys, json, math, h5py, numpy as np
def enc(x):
    if isinstance(x, bytes): return x.decode("utf-8")
    if isinstance(x, float):
        if math.isnan(x): return "NaN"
        if math.isinf(x): return "Infinity" if x > 0 else "-Infinity"
        return "-0" if x == 0 and math.copysign(1, x) < 0 else repr(x)
    return str(int(x))
out = {}
for file in json.load(sys.stdin):
    names = {}
    with h5py.File(file, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                a = obj[()]
                names[name] = {"shape": list(a.shape), "kind": a.dtype.kind, "flat": [enc(x) for x in a.reshape(-1).tolist()]}
        f.visititems(visit)
    out[file] = names
json.dump(out, sys.stdout)
`;

function checkWithH5py(files: { file: string; datasets: Map<string, Dataset> }[]): void {
  const r = spawnSync(PYTHON, ["-c", H5PY_DUMP], { input: JSON.stringify(files.map((f) => f.file)), encoding: "utf8", maxBuffer: 1 << 30 });
  assert.equal(r.status, 0, `h5py failed: ${r.stderr}`);
  const seen = JSON.parse(r.stdout) as Record<string, Record<string, { shape: number[]; kind: string; flat: string[] }>>;
  for (const { file, datasets } of files) {
    for (const [name, d] of datasets) {
      const got = seen[file]?.[name];
      assert.ok(got, `h5py does not see ${name} in ${file}`);
      assert.deepEqual(got.shape, [d.rows.length, ...d.spec.shape], `h5py: ${name} shape`);
      const leaves = d.rows.flat();
      leaves.forEach((leaf, i) => {
        const text = got.flat[i] as string;
        const dtype = d.spec.dtype;
        // Number() reads "NaN", "Infinity", "-0" and Python's repr of every other float exactly.
        const value: unknown =
          dtype === "string"
            ? text
            : dtype === "bool"
              ? text === "1"
              : dtype === "int64" || dtype === "uint64"
                ? BigInt(text)
                : Number(text);
        assert.ok(same(leaf, value, dtype), `h5py: ${file} ${name} element ${i}: logged ${String(leaf)}, h5py read ${text}`);
      });
    }
  }
}

test("thousands of HDF5 errors leave the library working: no stack or file descriptor leaks, later writes exact", (t) => {
  // Each HDF5 error used to leak ~1 KB of h5wasm's 2 MB stack and a file descriptor: after
  // ~2,200 errors h5wasm aborted ("bad_cast was thrown in -fno-exceptions mode").
  const dir = tempDir(t);
  const corrupt = path.join(dir, "corrupt.h5");
  const logger = new H5Logger(corrupt);
  logger.log("x", 1);
  logger.close();
  const bytes = fs.readFileSync(corrupt);
  const rootHeader = Number(bytes.readBigUInt64LE(36)); // v3 superblock: root group object header address
  bytes.fill(0x5a, rootHeader, rootHeader + 64);
  fs.writeFileSync(corrupt, bytes);
  const fds = () => (fs.existsSync("/proc/self/fd") ? fs.readdirSync("/proc/self/fd").length : 0);
  const before = fds();
  const damaged = H5Logger.openSync(corrupt); // HDF5 reads the root group only when asked
  for (let i = 0; i < 3000; i++) {
    assert.throws(
      () => damaged.keys(),
      (err) => isH5LoggerError(err, "HDF5") && /bad object header/.test((err as Error).message),
    );
  }
  damaged.close();
  assert.ok(fds() - before < 10, `file descriptors leaked: ${before} before, ${fds()} after`);
  const file = path.join(dir, "after.h5");
  const writer = new H5Logger(file);
  for (let i = 0; i < 20_000; i++) writer.log("v", [i, -i, i / 3]);
  writer.close();
  using reader = H5Logger.openSync(file);
  const rows = reader.get("v").value as Float64Array[];
  assert.equal(rows.length, 20_000);
  for (const [i, row] of rows.entries()) assert.deepEqual(Array.from(row), [i, -i, i / 3]);
});
