/**
 * What `require("h5logger")` meets: h5logger is an ES module (it loads HDF5's WebAssembly with
 * a top-level await, which `require` cannot wait for), so CommonJS code gets this instead of
 * Node's "No exports main defined".
 */
throw new Error(
  'h5logger is an ES module and cannot be loaded with require(). In CommonJS, load it with `const { H5Logger } = await import("h5logger")` (inside an async function); in an ES module (.mjs, or "type": "module"), `import { H5Logger } from "h5logger"`.',
);
