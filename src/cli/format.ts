/**
 * Values as text for the terminal, in numpy's manner: arrays in nested brackets with their
 * elements space-separated and aligned, long arrays elided with `...` (numpy's defaults: more
 * than 1,000 elements shows 3 at each edge of every axis), floats with up to 8 significant
 * digits inside arrays and exactly (shortest round-trip) on their own.
 *
 * @module
 */
import { jsonable } from "../model/json.js";

export { jsonable };

/** Elements beyond which an array is elided, as numpy's `threshold`. */
export const ELIDE_ABOVE = 1000;
/** Elements kept at each edge of an elided axis, as numpy's `edgeitems`. */
const EDGE_ITEMS = 3;
/** Significant digits of a float inside an array, as numpy's `precision`. */
const PRECISION = 8;

/**
 * One element (or a scalar row) exactly: shortest round-trip floats (for a float32 dataset, the
 * shortest text that gives back the same float32, as numpy prints it), exact integers.
 */
export function formatScalar(value: unknown, dtype?: string | null): string {
  if (typeof value === "number") return dtype === "float32" ? float32Text(value) : formatNumber(value, 17);
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "string") return quote(value);
  return String(value);
}

function formatNumber(value: number, digits: number): string {
  if (Number.isNaN(value)) return "nan";
  if (value === Number.POSITIVE_INFINITY) return "inf";
  if (value === Number.NEGATIVE_INFINITY) return "-inf";
  if (Object.is(value, -0)) return "-0";
  const exact = String(value);
  if (digits >= 17) return exact;
  // Shorter of the exact text and the rounded one, without trailing zeros ("0.10000000" -> "0.1").
  const rounded = value
    .toPrecision(digits)
    .replace(/(\.\d*?)0+(e|$)/, "$1$2")
    .replace(/\.(e|$)/, "$1");
  return rounded.length < exact.length ? rounded : exact;
}

/** The shortest decimal that reads back as the same float32 (`0.1`, not `0.10000000149011612`). */
export function float32Text(value: number): string {
  if (!Number.isFinite(value) || Object.is(value, -0)) return formatNumber(value, 17);
  for (let digits = 1; digits < 9; digits++) {
    const text = formatNumber(value, digits);
    if (Math.fround(Number(text)) === value) return text;
  }
  return formatNumber(value, 9);
}

/** A float32 element as the JSON number that reads back as the same float32. */
export function float32Number(value: number): number {
  return Number.isFinite(value) ? Number(float32Text(value)) : value;
}

function quote(text: string): string {
  return `'${text.replaceAll("\\", "\\\\").replaceAll("'", "\\'").replaceAll("\n", "\\n")}'`;
}

/**
 * A row as numpy prints an array: `[1.5 2 3]`, `[[1 2]\n [3 4]]`, elided when it has more
 * than {@link ELIDE_ABOVE} elements. `flat` holds the elements in row-major order, `shape`
 * their dimensions (empty for a scalar). `indent` is added before every continuation line.
 */
export function formatArray(flat: ArrayLike<unknown>, shape: readonly number[], indent = ""): string {
  if (shape.length === 0) return formatScalar(flat[0]);
  const elide = shape.reduce((a, b) => a * b, 1) > ELIDE_ABOVE;
  const cells = arrayCells(flat, shape, elide);
  // Every column padded to the widest element, as numpy does.
  const width = Math.max(0, ...cells.map((c) => c?.length ?? 0));
  return nestCells(cells, shape, elide, width, indent);
}

/** The elements as text in row-major order, `null` where an elided stretch ("...") goes. */
function arrayCells(flat: ArrayLike<unknown>, shape: readonly number[], elide: boolean): (string | null)[] {
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
  const out: (string | null)[] = [];
  const visit = (d: number, base: number): void => {
    const n = shape[d] ?? 0;
    const keep = elide && n > 2 * EDGE_ITEMS;
    for (let i = 0; i < n; i++) {
      if (keep && i === EDGE_ITEMS) {
        out.push(null);
        i = n - EDGE_ITEMS - 1;
        continue;
      }
      const at = base + i * (strides[d] ?? 1);
      if (d < shape.length - 1) visit(d + 1, at);
      else out.push(typeof flat[at] === "number" ? formatNumber(flat[at] as number, PRECISION) : formatScalar(flat[at]));
    }
  };
  visit(0, 0);
  return out;
}

/** The cells nested in brackets, dimension by dimension, in the same order arrayCells made them. */
function nestCells(cells: readonly (string | null)[], shape: readonly number[], elide: boolean, width: number, indent: string): string {
  let cursor = 0;
  const render = (d: number, prefix: string): string => {
    const n = shape[d] ?? 0;
    const keep = elide && n > 2 * EDGE_ITEMS;
    const parts: string[] = [];
    for (let i = 0; i < n; i++) {
      if (keep && i === EDGE_ITEMS) {
        parts.push("...");
        cursor++; // the marker
        i = n - EDGE_ITEMS - 1;
        continue;
      }
      if (d === shape.length - 1) parts.push((cells[cursor++] ?? "").padStart(width));
      else parts.push(render(d + 1, `${prefix} `));
    }
    if (d === shape.length - 1) return `[${parts.join(" ")}]`;
    return `[${parts.join(`\n${"\n".repeat(shape.length - d - 2)}${prefix} `)}]`;
  };
  return render(0, indent);
}

/** A value as one CSV cell: arrays in numpy's text on one line, quoted when needed. */
export function csvCell(value: unknown, shape: readonly number[], dtype?: string | null): string {
  const text =
    shape.length === 0
      ? typeof value === "string"
        ? value
        : typeof value === "boolean"
          ? String(value)
          : formatScalar(value, dtype)
      : formatArray(value as ArrayLike<unknown>, shape).replaceAll(/\n+ */g, " ");
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A row as JSON can hold it: a row of shape `shape` (flat, row-major) as nested arrays. */
export function jsonValue(value: unknown, shape: readonly number[], dtype?: string | null): unknown {
  const one = (v: unknown) => (dtype === "float32" && typeof v === "number" ? jsonable(float32Number(v)) : jsonable(v));
  if (shape.length === 0) return one(value);
  return nest(Array.from(value as ArrayLike<unknown>, one), shape);
}

function nest(flat: unknown[], shape: readonly number[]): unknown[] {
  if (shape.length <= 1) return flat;
  const step = shape.slice(1).reduce((a, b) => a * b, 1);
  return Array.from({ length: shape[0] ?? 0 }, (_, i) => nest(flat.slice(i * step, (i + 1) * step), shape.slice(1)));
}

/** A statistic to `digits` significant digits, as `%g` prints it; a whole number below 10^15 exactly (1999999, not 2e+6). */
export function formatStatistic(value: number, digits = 6): string {
  if (Number.isInteger(value) && Math.abs(value) < 1e15) return String(value);
  return formatNumber(value, digits);
}

/** Text cut to `max` characters with an ellipsis: a table cell must not carry a 2 MB string. */
export function clip(text: string, max = 60): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** `1 row`, `2 rows`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/** Bytes in binary units: `512 B`, `1.5 KiB`, `3.2 GiB`. */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
