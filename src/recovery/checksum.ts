/**
 * The checksum of HDF5's metadata (superblock versions 2 and 3 among them): Bob Jenkins'
 * lookup3, as the HDF5 File Format Specification names it. Pure arithmetic.
 *
 * @module
 */

/**
 * Bob Jenkins' lookup3 `hashlittle`, byte-for-byte as HDF5's `H5_checksum_lookup3`
 * (reads bytes explicitly, so the result does not depend on host endianness).
 * @param data - bytes to hash (may be empty: the result is then `0xdeadbeef + initval`)
 * @param initval - seed; HDF5 metadata checksums use 0
 * @returns the unsigned 32-bit hash
 */
export function lookup3(data: Uint8Array, initval = 0): number {
  const rot = (x: number, k: number) => (x << k) | (x >>> (32 - k));
  // Little-endian word; bytes past the end read as 0, which is what lookup3's tail switch adds.
  const word = (i: number) => (data[i] ?? 0) | ((data[i + 1] ?? 0) << 8) | ((data[i + 2] ?? 0) << 16) | ((data[i + 3] ?? 0) << 24);
  let a = (0xdeadbeef + data.length + initval) | 0;
  let b = a;
  let c = a;
  let k = 0;
  for (; data.length - k > 12; k += 12) {
    a = (a + word(k)) | 0;
    b = (b + word(k + 4)) | 0;
    c = (c + word(k + 8)) | 0;
    a = (a - c) | 0;
    a ^= rot(c, 4);
    c = (c + b) | 0;
    b = (b - a) | 0;
    b ^= rot(a, 6);
    a = (a + c) | 0;
    c = (c - b) | 0;
    c ^= rot(b, 8);
    b = (b + a) | 0;
    a = (a - c) | 0;
    a ^= rot(c, 16);
    c = (c + b) | 0;
    b = (b - a) | 0;
    b ^= rot(a, 19);
    a = (a + c) | 0;
    c = (c - b) | 0;
    c ^= rot(b, 4);
    b = (b + a) | 0;
  }
  const rest = data.length - k;
  if (rest === 0) return c >>> 0; // only for empty input: lookup3's "case 0" skips the final mix
  a = (a + word(k)) | 0;
  if (rest > 4) b = (b + word(k + 4)) | 0;
  if (rest > 8) c = (c + word(k + 8)) | 0;
  c ^= b;
  c = (c - rot(b, 14)) | 0;
  a ^= c;
  a = (a - rot(c, 11)) | 0;
  b ^= a;
  b = (b - rot(a, 25)) | 0;
  c ^= b;
  c = (c - rot(b, 16)) | 0;
  a ^= c;
  a = (a - rot(c, 4)) | 0;
  b ^= a;
  b = (b - rot(a, 14)) | 0;
  c ^= b;
  c = (c - rot(b, 24)) | 0;
  return c >>> 0;
}
