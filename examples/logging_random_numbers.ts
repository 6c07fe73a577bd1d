/**
 * The walk-through: log ten random bits, then read them back loading only what is asked for.
 * Run it with `npm run demo`; it leaves logging_data.h5 behind for `h5ls -r logging_data.h5`.
 */
import { H5Logger } from "h5logger";

// replaceIfExists starts a fresh file instead of appending to one from an earlier run.
const logger = new H5Logger("logging_data.h5", { replaceIfExists: true });

for (let i = 0; i < 10; i++) {
  const number = Math.floor(Math.random() * 2);
  logger.log("number", number);
}
logger.close();

// Reading loads only the rows you touch.
const data = await H5Logger.open("logging_data.h5");
console.log(String(data.get("number")));
// <HDF5 dataset "number": shape (10,), type "<f8">
console.log(data.get("number").slice(0, 10));
// Float64Array(10) [0, 1, 1, 0, 1, 1, 1, 1, 1, 1]
data.close();

console.log(`\nwrote ${logger.filename}; look inside with: h5ls -r ${logger.filename}`);
