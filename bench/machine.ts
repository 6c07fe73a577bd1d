/**
 * What the numbers were measured on.
 *
 * @module
 */
import fs from "node:fs";
import os from "node:os";

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  h5wasm: string;
  os: string;
}

export function describeMachine(): Machine {
  const cpus = os.cpus();
  let h5wasm = "unknown";
  try {
    h5wasm = JSON.parse(fs.readFileSync(new URL("../node_modules/h5wasm/package.json", import.meta.url), "utf8")).version;
  } catch {
    // Reported as unknown.
  }
  return {
    cpu: cpus[0]?.model.trim() ?? "unknown",
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    h5wasm,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}

export function formatMachine(m: Machine): string {
  return `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB · Node ${m.node} · h5wasm ${m.h5wasm} · ${m.os}`;
}
