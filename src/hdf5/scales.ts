/**
 * HDF5 dimension scales: a dataset that labels an axis of others (`loss.step` for the rows of
 * `loss`), which h5py shows as `f["loss"].dims[0]` and netCDF readers (xarray through
 * h5netcdf) as a coordinate. HDF5 keeps the link as attributes on both datasets: `CLASS` and
 * `NAME` on the scale, `DIMENSION_LIST` on the dataset, `REFERENCE_LIST` on the scale.
 *
 * @module
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { FileHandle } from "./file.js";
import { call, check, Module } from "./runtime.js";
import { H5S_UNLIMITED, TYPE_SPECS } from "./types.js";

/**
 * The first scale attached in a process runs enough of HDF5's WebAssembly for V8 to compile it
 * anew (tier-up), which then stalls the event loop for 50-300 ms (measured on a busy 2-core VM;
 * none with --liftoff-only): a logger's first flush came late by that much. Attaching one scale
 * in a scratch file at load, and yielding once, takes that stall here instead.
 */
async function warmUp(): Promise<void> {
  // Best effort: a temp folder that cannot be written only leaves the stall where it was.
  try {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "h5logger-scales-"));
    try {
      call("warming up dimension scales", () => {
        const id = Module.open(path.join(dir, "warm.h5"), Module.H5F_ACC_TRUNC, false, Module.H5F_LIBVER_V110, Module.H5F_LIBVER_V110);
        const metadata = { ...TYPE_SPECS.float64, littleEndian: true, shape: [0n], maxshape: [H5S_UNLIMITED], chunks: [16n] };
        Module.create_dataset(id, "/x", 0n, metadata as never);
        Module.create_dataset(id, "/x.step", 0n, metadata as never);
        Module.set_scale(id, "/x.step", "x.step");
        Module.attach_scale(id, "/x", "/x.step", 0);
        Module.close_file(id);
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  } catch {
    // nothing: see above
  }
  await new Promise((resolve) => setTimeout(resolve, 0));
}
await warmUp();

/** Make a dataset a dimension scale called `name` (its `NAME` attribute). */
export function makeScale(file: FileHandle, path: string, name: string): void {
  check(`cannot make ${path} a dimension scale`, () => Module.set_scale(file.id, path, name));
}

/** Whether a dataset is a dimension scale. */
export function isScale(file: FileHandle, path: string): boolean {
  return call(`cannot inspect ${path}`, () => Module.get_scale_name(file.id, path)) !== null;
}

/** Attach the scale `scale` to axis `axis` of `dataset`. */
export function attachScale(file: FileHandle, dataset: string, scale: string, axis: number): void {
  check(`cannot attach ${scale} to ${dataset} as the scale of axis ${axis}`, () => Module.attach_scale(file.id, dataset, scale, axis));
}

/** Detach the scale `scale` from axis `axis` of `dataset`. */
export function detachScale(file: FileHandle, dataset: string, scale: string, axis: number): void {
  check(`cannot detach ${scale} from ${dataset}`, () => Module.detach_scale(file.id, dataset, scale, axis));
}

/** Make a scale that nothing is attached to a plain dataset again (HDF5 has no call for it: its two attributes go). */
export function dropScale(file: FileHandle, path: string): void {
  for (const name of ["CLASS", "NAME"]) {
    const names = call(`cannot list attributes of ${path}`, () => Module.get_attribute_names(file.id, path) as string[]);
    if (names.includes(name)) check(`cannot remove ${name} from ${path}`, () => Module.delete_attribute(file.id, path, name));
  }
}

/** Paths of the scales attached to axis `axis` of a dataset (none: `[]`). */
export function attachedScales(file: FileHandle, path: string, axis: number): string[] {
  return call(`cannot read the dimension scales of ${path}`, () => Module.get_attached_scales(file.id, path, axis));
}
