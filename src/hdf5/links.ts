/**
 * External links: a name in one file that HDF5 resolves to an object of another file, opened
 * when a reader follows the link (a run's index.h5 links each writer's file this way).
 *
 * @module
 */
import type { FileHandle } from "./file.js";
import { call, check, Module } from "./runtime.js";

/** Where an external link points. */
export interface ExternalLink {
  /** The link's name in its group. */
  name: string;
  /** The target file as stored: relative names are resolved by readers from the linking file's folder. */
  file: string;
  /** The object's path in the target file. */
  path: string;
}

/** Create the link `/<name>` in `file` to `target` in `targetFile` (HDF5 does not open the target). */
export function createExternalLink(file: FileHandle, name: string, targetFile: string, target: string): void {
  check(`cannot create the external link ${name} in ${file.path}`, () =>
    Module.create_external_link(file.id, targetFile, target, `/${name}`),
  );
}

/** The external links in the root group of `file`, in name order; other objects are left out. Nothing is opened. */
export function externalLinks(file: FileHandle): ExternalLink[] {
  const names = call(`cannot list ${file.path}`, () => Module.get_names(file.id, "/", false) as string[]);
  const out: ExternalLink[] = [];
  for (const name of names) {
    // Not get_type: it follows the link, opening the target file (which this process may be writing).
    const link = call(`cannot read the link ${name} in ${file.path}`, () => Module.get_external_link(file.id, `/${name}`));
    if (typeof link.filename === "string") out.push({ name, file: link.filename, path: link.obj_path });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
