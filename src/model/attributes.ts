/**
 * Attribute values: what a user may set as an attribute, and how each is stored. Numbers,
 * bigints, strings and flat arrays of numbers or strings are HDF5 attributes of that type;
 * booleans are 0/1 bytes (h5wasm cannot create HDF5's enum booleans), marked so that our
 * reader returns booleans; anything else JSON can hold is JSON text, marked so that our reader
 * parses it back. Pure: checked here before anything touches a file.
 *
 * @module
 */
import { bigintProblem, describe } from "./dtype.js";
import { InvalidValueError } from "./errors.js";

/** A value that can be stored as an HDF5 attribute. Objects and nested arrays are stored as JSON text. */
export type AttributeInput =
  | string
  | number
  | bigint
  | boolean
  | readonly number[]
  | readonly string[]
  | { readonly [key: string]: unknown }
  | readonly unknown[];

/** A value as HDF5 stores it. */
export type StoredAttribute = string | number | bigint | boolean | readonly number[] | readonly string[];

/** Attributes that list the names of an object's JSON and boolean attributes; users cannot take them. */
export const JSON_LIST = "h5logger_json";
export const BOOL_LIST = "h5logger_bool";
/** Marks a uint8 dataset as boolean (see FORMAT.md). */
export const DTYPE_ATTRIBUTE = "h5logger_dtype";
const RESERVED = new Set([JSON_LIST, BOOL_LIST, DTYPE_ATTRIBUTE]);
/**
 * Attributes through which HDF5's dimension scales link datasets (see FORMAT.md): setting one
 * would break the link, or make a dataset look like a scale.
 */
export const SCALE_ATTRIBUTES: ReadonlySet<string> = new Set(["CLASS", "DIMENSION_LIST", "REFERENCE_LIST", "DIMENSION_LABELS"]);

/** Whether an attribute name is h5logger's own. */
export function isReservedAttribute(name: string): boolean {
  return RESERVED.has(name);
}

/** One attribute, ready to store: `marker` says which list names it. */
export interface EncodedAttribute {
  name: string;
  value: StoredAttribute;
  marker: "json" | "bool" | null;
}

/** Check every attribute of one object and encode them: throws for the first bad one, naming it. */
export function encodeAttributes(objectPath: string, attrs: Record<string, AttributeInput>): EncodedAttribute[] {
  return Object.entries(attrs).map(([name, value]) => encodeAttribute(objectPath, name, value));
}

function isFlat(value: readonly unknown[], type: "number" | "string"): boolean {
  return value.length > 0 && value.every((v) => typeof v === type);
}

function encodeAttribute(objectPath: string, name: string, value: AttributeInput): EncodedAttribute {
  const where = `attribute ${JSON.stringify(name)}`;
  if (name === "" || RESERVED.has(name)) throw new InvalidValueError(objectPath, `${where}: the name is reserved or empty`);
  if (SCALE_ATTRIBUTES.has(name))
    throw new InvalidValueError(objectPath, `${where}: the name is HDF5's, which links dimension scales and datasets with it`);
  if (name.includes("\0")) throw new InvalidValueError(objectPath, `${where}: the name contains a NUL character`);
  if (typeof value === "bigint") {
    // Stored as int64: a bigint outside its range would wrap around silently.
    const problem = bigintProblem(value, "int64");
    if (problem) throw new InvalidValueError(objectPath, `${where}: ${problem}`);
  }
  const strings = typeof value === "string" ? [value] : Array.isArray(value) ? value : [];
  if (strings.some((v) => typeof v === "string" && v.includes("\0"))) {
    // HDF5 strings end at the first NUL: storing one would silently cut the string short.
    throw new InvalidValueError(objectPath, `${where}: a string contains a NUL character (\\0), which HDF5 strings cannot hold`);
  }
  if (strings.some((v) => typeof v === "string" && /\p{Cs}/u.test(v))) {
    throw new InvalidValueError(objectPath, `${where}: a string is not valid Unicode (a lone surrogate half), which UTF-8 cannot store`);
  }
  if (typeof value === "boolean") return { name, value, marker: "bool" };
  if (typeof value === "string" || typeof value === "bigint" || typeof value === "number") return { name, value, marker: null };
  if (Array.isArray(value) && (isFlat(value, "number") || isFlat(value, "string"))) return { name, value: value as number[], marker: null };
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (err) {
    throw new InvalidValueError(objectPath, `${where}: cannot store ${describe(value)} (${(err as Error).message})`);
  }
  if (json === undefined || typeof value === "function" || typeof value === "symbol" || value === null) {
    throw new InvalidValueError(
      objectPath,
      `${where}: cannot store ${describe(value)}; use a string, number, bigint, boolean, array or JSON-able object`,
    );
  }
  return { name, value: json, marker: "json" };
}
