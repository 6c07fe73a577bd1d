/**
 * Print results as a table (for people) or JSON (for scripts).
 *
 * @module
 */
import type { Machine } from "./machine.js";
import type { Quantity, Result } from "./result.js";

function fmtNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const abs = Math.abs(x);
  if (abs >= 100) return Math.round(x).toLocaleString("en-US");
  if (abs >= 10) return x.toFixed(1);
  return x.toPrecision(3);
}

function fmt(q: Quantity | undefined): string {
  return q ? `${fmtNumber(q.value)} ${q.unit}` : "";
}

/** The table as Markdown, so BENCHMARKS.md can take it as is. */
export function formatTable(results: readonly Result[]): string {
  const header = ["case", "ours", "baseline", "ratio", "target", "met"];
  const rows = results.map((r) => [
    r.case,
    fmt(r.ours),
    r.baseline ? `${r.baseline.name}: ${fmt(r.baseline)}` : "",
    r.ratio === undefined ? "" : `${fmtNumber(r.ratio)}×`,
    r.target,
    r.met === null ? "n/a" : r.met ? "yes" : "NO",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(" | ")} |`;
  const out = [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)];
  const notes = results.filter((r) => r.note).map((r) => `- ${r.case}: ${r.note}`);
  return [...out, "", ...notes].join("\n");
}

export function formatJson(machine: Machine, args: Record<string, unknown>, results: readonly Result[]): string {
  return JSON.stringify({ machine, args, results }, null, 2);
}
