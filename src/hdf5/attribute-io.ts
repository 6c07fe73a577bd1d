/**
 * Attributes as HDF5 stores them: numbers, bigints, strings and flat arrays of them. How
 * h5logger maps other values onto these is attributes.ts's job. Booleans are stored as uint8 0/1.
 *
 * @module
 */
import type { StoredAttribute as AttributeValue } from "../model/attributes.js";
import { arrayTypeFor, type Dtype } from "../model/dtype.js";
import type { FileHandle } from "./file.js";
import { call, Module } from "./runtime.js";
import { scratch } from "./scratch.js";
import { H5T_ENUM, H5T_FLOAT, H5T_INTEGER, H5T_STRING, TYPE_SPECS, type TypeSpec } from "./types.js";

/** Write (or replace) an attribute on a group or dataset. */
export function writeAttribute(file: FileHandle, objectPath: string, name: string, value: AttributeValue): void {
  call(`cannot write attribute ${name} on ${objectPath}`, () => {
    if (readAttributeNames(file, objectPath).includes(name)) Module.delete_attribute(file.id, objectPath, name);
    if (typeof value === "string" || (Array.isArray(value) && typeof value[0] === "string")) {
      const strings = typeof value === "string" ? [value] : (value as string[]);
      const metadata = {
        ...TYPE_SPECS.string,
        littleEndian: true,
        shape: typeof value === "string" ? [] : [BigInt(strings.length)],
        maxshape: null,
        chunks: null,
      };
      Module.create_vlen_str_attribute(file.id, objectPath, name, strings, metadata as never);
      return;
    }
    const { spec, bytes, shape } = attributeBytes(value as Exclude<AttributeValue, string | readonly string[]>);
    const metadata = { ...spec, littleEndian: true, shape, maxshape: null, chunks: null };
    const ptr = scratch(Math.max(1, bytes.byteLength));
    Module.HEAPU8.set(bytes, ptr);
    Module.create_attribute(file.id, objectPath, name, BigInt(ptr), metadata as never);
  });
}

function attributeBytes(value: number | bigint | boolean | readonly number[]): { spec: TypeSpec; bytes: Uint8Array; shape: bigint[] } {
  if (typeof value === "bigint") {
    return { spec: TYPE_SPECS.int64, bytes: new Uint8Array(BigInt64Array.of(value).buffer), shape: [] };
  }
  if (typeof value === "boolean") {
    return { spec: TYPE_SPECS.uint8, bytes: Uint8Array.of(value ? 1 : 0), shape: [] };
  }
  const numbers = typeof value === "number" ? [value] : value;
  const shape = typeof value === "number" ? [] : [BigInt(numbers.length)];
  return { spec: TYPE_SPECS.float64, bytes: new Uint8Array(Float64Array.from(numbers).buffer), shape };
}

/** Names of the attributes on a group or dataset. */
export function readAttributeNames(file: FileHandle, objectPath: string): string[] {
  return call(`cannot list attributes of ${objectPath}`, () => Module.get_attribute_names(file.id, objectPath) as string[]);
}

/** Read one attribute as plain JavaScript values (strings, numbers, bigints, arrays of them). */
export function readAttribute(file: FileHandle, objectPath: string, name: string): unknown {
  return call(`cannot read attribute ${name} of ${objectPath}`, () => {
    const m = Module.get_attribute_metadata(file.id, objectPath, name);
    const total = m.total_size ?? 1;
    const bytes = m.size * Math.max(1, total);
    const ptr = scratch(bytes);
    Module.get_attribute_data(file.id, objectPath, name, BigInt(ptr));
    const heap = Module.HEAPU8;
    let values: unknown[];
    if (m.type === H5T_STRING) {
      if (m.vlen) {
        values = Array.from(new Uint32Array(heap.buffer, ptr, total), (p) => Module.UTF8ToString(p));
        Module.reclaim_vlen_memory(file.id, objectPath, name, BigInt(ptr));
      } else {
        const decoder = new TextDecoder();
        values = Array.from({ length: total }, (_, i) => {
          const raw = heap.slice(ptr + i * m.size, ptr + (i + 1) * m.size);
          const end = raw.indexOf(0);
          return decoder.decode(end < 0 ? raw : raw.subarray(0, end)).trimEnd();
        });
      }
    } else if (m.type === H5T_FLOAT || m.type === H5T_INTEGER || m.type === H5T_ENUM) {
      const size = m.size as number;
      const signed = m.signed;
      const dtype: Exclude<Dtype, "string" | "bool"> =
        m.type === H5T_FLOAT ? (size === 4 ? "float32" : "float64") : (`${signed ? "int" : "uint"}${size * 8}` as never);
      const typed = new (arrayTypeFor(dtype))(heap.slice(ptr, ptr + bytes).buffer) as unknown as ArrayLike<unknown>;
      values = Array.from(typed);
    } else {
      return `<unsupported attribute type ${m.type}>`;
    }
    return !m.shape || m.shape.length === 0 ? values[0] : values;
  });
}
