/**
 * The HDF5 room: the only code that talks to h5wasm (the HDF5 C library compiled to
 * WebAssembly) and to the Emscripten runtime it runs on. Everything else speaks in our own
 * terms — {@link Dtype}s, row counts, flat typed arrays — and gets short {@link HDF5Error}s.
 *
 * @module
 */
export { readAttribute, readAttributeNames, writeAttribute } from "./attribute-io.js";
export { readAttributes, writeAttributes, writeEncoded } from "./attributes.js";
export {
  appendRows,
  createDataset,
  createGroup,
  type DatasetInfo,
  datasetInfo,
  firstNonGroup,
  listDatasets,
  objectKind,
  readRows,
  resizeRows,
  type StorageOptions,
  storageBytes,
} from "./dataset.js";
export { summariseHdf5Error } from "./errors.js";
export { attachedScales, attachScale, detachScale, dropScale, isScale, makeScale } from "./scales.js";
export {
  closeFile,
  createFile,
  type FileHandle,
  fileLength,
  fileStat,
  flushFile,
  type OpenMode,
  observeWrites,
  openFile,
  startSwmrWrite,
  type WriteObserver,
} from "./file.js";
export { createExternalLink, type ExternalLink, externalLinks } from "./links.js";
