/**
 * HDF5 datatypes as h5wasm describes them, and the ones h5logger creates for each dtype.
 *
 * @module
 */
import type { Dtype } from "../model/dtype.js";

// HDF5's type classes (H5Tpublic.h).
export const H5T_INTEGER = 0;
export const H5T_FLOAT = 1;
export const H5T_STRING = 3;
export const H5T_ENUM = 8;
export const H5S_UNLIMITED = 18446744073709551615n;
const CSET_UTF8 = 1;

/** The type part of h5wasm's metadata for a new dataset or attribute. */
export interface TypeSpec {
  type: number;
  size: number;
  signed: boolean;
  vlen: boolean;
  cset?: number;
}

export const TYPE_SPECS: Record<Dtype, TypeSpec> = {
  float64: { type: H5T_FLOAT, size: 8, signed: false, vlen: false },
  float32: { type: H5T_FLOAT, size: 4, signed: false, vlen: false },
  int8: { type: H5T_INTEGER, size: 1, signed: true, vlen: false },
  int16: { type: H5T_INTEGER, size: 2, signed: true, vlen: false },
  int32: { type: H5T_INTEGER, size: 4, signed: true, vlen: false },
  int64: { type: H5T_INTEGER, size: 8, signed: true, vlen: false },
  uint8: { type: H5T_INTEGER, size: 1, signed: false, vlen: false },
  uint16: { type: H5T_INTEGER, size: 2, signed: false, vlen: false },
  uint32: { type: H5T_INTEGER, size: 4, signed: false, vlen: false },
  uint64: { type: H5T_INTEGER, size: 8, signed: false, vlen: false },
  bool: { type: H5T_INTEGER, size: 1, signed: false, vlen: false },
  string: { type: H5T_STRING, size: 4, signed: false, vlen: true, cset: CSET_UTF8 },
};

/**
 * A fixed-length UTF-8 string of `bytes` bytes. h5wasm builds it from Fortran's string type,
 * so HDF5 calls it space-padded; we pad with NUL bytes, which every reader stops at (see FORMAT.md).
 */
export function fixedStringSpec(bytes: number): TypeSpec {
  return { type: H5T_STRING, size: bytes, signed: false, vlen: false, cset: CSET_UTF8 };
}

/** HDF5's type classes that h5logger neither writes nor reads, by name. */
export const TYPE_CLASS_NAMES: Record<number, string> = {
  2: "time",
  4: "bitfield",
  5: "opaque",
  6: "compound",
  7: "reference",
  9: "vlen",
  10: "array",
  11: "complex",
};

/** What h5wasm's metadata says about a type. */
export interface TypeMetadata {
  type: number;
  size: number;
  signed: boolean;
  littleEndian: boolean;
  vlen: boolean;
  cset?: number;
  /** HDF5's string padding: 0 null-terminated, 1 null-padded, 2 space-padded. */
  strpad?: number;
  enum_type?: { type: number; members?: Record<string, number> };
}

/** HDF5's H5T_STR_SPACEPAD. */
export const STR_SPACEPAD = 2;
/** Whether a string type is UTF-8 (else ASCII). */
export function isUtf8(m: TypeMetadata): boolean {
  return m.cset === CSET_UTF8;
}

/** Our dtype for a stored type (null when h5logger does not read it), and numpy's name for it. */
export function describeType(m: TypeMetadata): { dtype: Dtype | null; storedType: string } {
  const baseType = m.type === H5T_ENUM && m.enum_type ? m.enum_type.type : m.type;
  if (baseType === H5T_FLOAT && (m.size === 4 || m.size === 8)) {
    return { dtype: m.size === 4 ? "float32" : "float64", storedType: `${m.littleEndian ? "<" : ">"}f${m.size}` };
  }
  if (baseType === H5T_FLOAT) return { dtype: null, storedType: `${m.littleEndian ? "<" : ">"}f${m.size}` };
  if (baseType === H5T_INTEGER && [1, 2, 4, 8].includes(m.size)) {
    const storedType = `${m.size === 1 ? "|" : m.littleEndian ? "<" : ">"}${m.signed ? "i" : "u"}${m.size}`;
    if (m.type !== H5T_ENUM) return { dtype: `${m.signed ? "int" : "uint"}${m.size * 8}` as Dtype, storedType };
    const members = m.enum_type?.members ?? {};
    const isBool = Object.keys(members).length === 2 && members.FALSE === 0 && members.TRUE === 1;
    return isBool ? { dtype: "bool", storedType: "bool" } : { dtype: null, storedType: `enum(${storedType})` };
  }
  if (m.type === H5T_STRING) return { dtype: "string", storedType: m.vlen ? "str" : `|S${m.size}` };
  return { dtype: null, storedType: TYPE_CLASS_NAMES[m.type] ?? `class ${m.type}` };
}
