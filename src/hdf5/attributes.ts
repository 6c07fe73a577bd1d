/**
 * Attributes: a run's metadata on the file and on datasets. Numbers, bigints, booleans,
 * strings and flat arrays of numbers or strings are stored as HDF5 attributes of that type;
 * anything else JSON can hold is stored as JSON text, and its name is listed in the
 * `h5logger_json` attribute so that our reader parses it back.
 *
 * @module
 */
import { bigintProblem, describe } from "../model/dtype.js";
import { InvalidValueError } from "../model/errors.js";
import type { AttributeInput } from "../model/options.js";
import * as hdf5 from "./index.js";

const JSON_LIST = "h5logger_json";
const INTERNAL = new Set([JSON_LIST, hdf5.DTYPE_ATTRIBUTE]);

function isFlat(value: readonly unknown[], type: "number" | "string"): boolean {
  return value.length > 0 && value.every((v) => typeof v === type);
}

/** Check every attribute, then write them all: a bad one writes nothing. */
export function writeAttributes(file: hdf5.FileHandle, objectPath: string, attrs: Record<string, AttributeInput>): void {
  const encoded: [string, hdf5.AttributeValue, boolean][] = [];
  for (const [name, value] of Object.entries(attrs)) {
    if (name === "" || INTERNAL.has(name))
      throw new InvalidValueError(objectPath, `attribute name ${JSON.stringify(name)} is reserved or empty`);
    encoded.push(encodeAttribute(objectPath, name, value));
  }
  if (encoded.length === 0) return;
  const jsonNames = new Set(readJsonList(file, objectPath));
  for (const [name, value, isJson] of encoded) {
    hdf5.writeAttribute(file, objectPath, name, value);
    if (isJson) jsonNames.add(name);
    else jsonNames.delete(name);
  }
  if (jsonNames.size > 0) hdf5.writeAttribute(file, objectPath, JSON_LIST, [...jsonNames]);
}

function encodeAttribute(objectPath: string, name: string, value: AttributeInput): [string, hdf5.AttributeValue, boolean] {
  if (typeof value === "bigint") {
    // Stored as int64: a bigint outside its range would wrap around silently.
    const problem = bigintProblem(value, "int64");
    if (problem) throw new InvalidValueError(objectPath, `attribute ${JSON.stringify(name)}: ${problem}`);
  }
  if ((typeof value === "string" ? [value] : Array.isArray(value) ? value : []).some((v) => typeof v === "string" && v.includes("\0"))) {
    // HDF5 strings end at the first NUL: storing one would silently cut the string short.
    throw new InvalidValueError(
      objectPath,
      `attribute ${JSON.stringify(name)}: a string contains a NUL character (\\0), which HDF5 strings cannot hold`,
    );
  }
  // Booleans go as JSON: h5wasm cannot write HDF5's enum booleans, and a 0/1 number would read back as a number.
  if (typeof value === "boolean") return [name, JSON.stringify(value), true];
  if (typeof value === "string" || typeof value === "bigint") return [name, value, false];
  if (typeof value === "number") return [name, value, false];
  if (Array.isArray(value) && (isFlat(value, "number") || isFlat(value, "string"))) return [name, value as number[], false];
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (err) {
    throw new InvalidValueError(
      objectPath,
      `attribute ${JSON.stringify(name)}: cannot store ${describe(value)} (${(err as Error).message})`,
    );
  }
  if (json === undefined || typeof value === "function" || typeof value === "symbol" || value === null) {
    throw new InvalidValueError(
      objectPath,
      `attribute ${JSON.stringify(name)}: cannot store ${describe(value)}; use a string, number, bigint, boolean, array or JSON-able object`,
    );
  }
  return [name, json, true];
}

function readJsonList(file: hdf5.FileHandle, objectPath: string): string[] {
  if (!hdf5.readAttributeNames(file, objectPath).includes(JSON_LIST)) return [];
  const list = hdf5.readAttribute(file, objectPath, JSON_LIST);
  return Array.isArray(list) ? (list as string[]) : [String(list)];
}

/** Every user attribute of a group or dataset, JSON ones parsed back. */
export function readAttributes(file: hdf5.FileHandle, objectPath: string): Record<string, unknown> {
  const names = hdf5.readAttributeNames(file, objectPath);
  const jsonNames = new Set(names.includes(JSON_LIST) ? readJsonList(file, objectPath) : []);
  const out: Record<string, unknown> = {};
  for (const name of names) {
    if (INTERNAL.has(name)) continue;
    const value = hdf5.readAttribute(file, objectPath, name);
    out[name] = jsonNames.has(name) && typeof value === "string" ? JSON.parse(value) : value;
  }
  return out;
}
