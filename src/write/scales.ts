/**
 * What tells other programs that `NAME.step` (or `NAME.time`) labels the rows of `NAME`: HDF5
 * dimension scales (FORMAT.md). The step dataset, else the time dataset, is made a scale and
 * attached to axis 0 of the dataset, and the step scale also to the time dataset; the time
 * dataset gets CF's `units`, from which xarray makes dates.
 *
 * Only series of scalars get scales: h5netcdf (Debian's 1.1, through which xarray reads HDF5)
 * refuses a whole file in which a dataset has a scale on some axes and none on others, and
 * the row axes of an array dataset have nothing to be scaled by.
 *
 * @module
 */
import * as hdf5 from "../hdf5/index.js";
import { STEP_SUFFIX, TIME_SUFFIX } from "../model/names.js";
import type { Companions } from "./column.js";

/** The `units` of a time companion, as CF (and so xarray) reads them. */
export const TIME_UNITS = "seconds since 1970-01-01T00:00:00Z";

/**
 * Link a dataset and its companions. `fresh`: all were just created, so nothing is linked yet;
 * otherwise what exists is checked first (a file written before scales, or a step column
 * added to a dataset whose time companion was its scale), and a scale of another program is left alone.
 */
export function linkCompanions(file: hdf5.FileHandle, path: string, companions: Companions, rowRank: number, fresh: boolean): void {
  const step = path + STEP_SUFFIX;
  const time = path + TIME_SUFFIX;
  if (companions.time && (fresh || !hdf5.readAttributeNames(file, time).includes("units"))) {
    hdf5.writeAttribute(file, time, "units", TIME_UNITS);
  }
  if (rowRank !== 0 || !(companions.step || companions.time)) return;
  const scale = companions.step ? step : time;
  if (fresh) {
    hdf5.makeScale(file, scale, baseName(scale));
    hdf5.attachScale(file, path, scale, 0);
    if (companions.step && companions.time) hdf5.attachScale(file, time, step, 0);
    return;
  }
  let attached = hdf5.attachedScales(file, path, 0);
  if (companions.step && attached.includes(time)) {
    hdf5.detachScale(file, path, time, 0);
    hdf5.dropScale(file, time);
    attached = attached.filter((p) => p !== time);
  }
  if (attached.length > 0 && !attached.includes(scale)) return;
  if (!hdf5.isScale(file, scale)) hdf5.makeScale(file, scale, baseName(scale));
  if (!attached.includes(scale)) hdf5.attachScale(file, path, scale, 0);
  const timeFree = companions.time && !hdf5.isScale(file, time) && hdf5.attachedScales(file, time, 0).length === 0;
  if (companions.step && timeFree) hdf5.attachScale(file, time, step, 0);
}

/** The scale's name as netCDF readers take it for the dimension: its dataset's own name (`loss.step`). */
function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}
