/**
 * Attributes as h5logger stores them (see model/attributes.ts): every value written as HDF5
 * holds it, and the names of JSON and boolean attributes listed in `h5logger_json` and
 * `h5logger_bool` on the same object, so that our reader gives them back as they were set.
 *
 * @module
 */
import {
  type AttributeInput,
  BOOL_LIST,
  encodeAttributes,
  isReservedAttribute,
  JSON_LIST,
  type EncodedAttribute,
} from "../model/attributes.js";
import { readAttribute, readAttributeNames, writeAttribute } from "./attribute-io.js";
import type { FileHandle } from "./file.js";

/** Check every attribute, then write them all: a bad one writes nothing. */
export function writeAttributes(file: FileHandle, objectPath: string, attrs: Record<string, AttributeInput>): void {
  writeEncoded(file, objectPath, encodeAttributes(objectPath, attrs));
}

/** Write attributes already checked by encodeAttributes. */
export function writeEncoded(file: FileHandle, objectPath: string, encoded: readonly EncodedAttribute[]): void {
  if (encoded.length === 0) return;
  const names = readAttributeNames(file, objectPath);
  const lists = {
    json: new Set(readList(file, objectPath, names, JSON_LIST)),
    bool: new Set(readList(file, objectPath, names, BOOL_LIST)),
  };
  for (const { name, value, marker } of encoded) {
    writeAttribute(file, objectPath, name, value);
    lists.json.delete(name);
    lists.bool.delete(name);
    if (marker) lists[marker].add(name);
  }
  for (const [list, members] of [
    [JSON_LIST, lists.json],
    [BOOL_LIST, lists.bool],
  ] as const) {
    if (members.size > 0) writeAttribute(file, objectPath, list, [...members]);
  }
}

function readList(file: FileHandle, objectPath: string, names: readonly string[], list: string): string[] {
  if (!names.includes(list)) return [];
  const value = readAttribute(file, objectPath, list);
  return Array.isArray(value) ? (value as string[]) : [String(value)];
}

/**
 * Every user attribute of a group or dataset, as it was set: JSON parsed back, booleans as
 * booleans. HDF5's dimension-scale links are left out (DatasetView.scales says what they say).
 */
export function readAttributes(file: FileHandle, objectPath: string): Record<string, unknown> {
  const names = readAttributeNames(file, objectPath);
  const json = new Set(readList(file, objectPath, names, JSON_LIST));
  const bool = new Set(readList(file, objectPath, names, BOOL_LIST));
  const scale = names.includes("CLASS") && readAttribute(file, objectPath, "CLASS") === "DIMENSION_SCALE";
  const out: Record<string, unknown> = {};
  for (const name of names) {
    if (isReservedAttribute(name)) continue;
    if (name === "DIMENSION_LIST" || name === "REFERENCE_LIST" || name === "DIMENSION_LABELS") continue;
    if (scale && (name === "CLASS" || name === "NAME")) continue;
    const value = readAttribute(file, objectPath, name);
    if (json.has(name) && typeof value === "string") out[name] = parseJson(value);
    else if (bool.has(name) && (typeof value === "number" || typeof value === "bigint")) out[name] = value !== 0 && value !== 0n;
    else out[name] = value;
  }
  return out;
}

/** JSON text as stored; a text that does not parse (written by another program) is returned as it is. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
