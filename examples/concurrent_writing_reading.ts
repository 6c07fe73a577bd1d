/**
 * Reading a file while it is written, in the three ways of the original h5logger: this
 * process writes, and a reader in another process (examples/concurrent_reader.mjs) prints the
 * `even_number` series each time it grows, then ends by itself when the writer closes the file.
 *
 * Run it with `npm run build:dev && node build/examples/concurrent_writing_reading.js` (the
 * examples import the package as users do). It removes its files when done.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import fs from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { H5Logger } from "h5logger";

const STEPS = 10;
const STEP_MS = 100;
// Rows reach the file within flushEvery ms (1000 by default); 50 lets the reader see every step.
const FLUSH_EVERY = 50;
const READER = fileURLToPath(new URL("./concurrent_reader.js", import.meta.url));

/** A standard normal number (Box-Muller), like numpy's randn. */
function randn(): number {
  return Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random());
}

/** Option 1: names, ranks and dtypes declared up front; readable concurrently from the start. */
async function writerDeclared(file: string): Promise<void> {
  const logger = new H5Logger(file, {
    replaceIfExists: true,
    flushEvery: FLUSH_EVERY,
    concurrentReaders: true,
    datasets: { number: [1, "float"], even_number: [1, "float"] },
  });
  for (let i = 0; i < STEPS; i++) {
    await sleep(STEP_MS);
    const number = randn();
    logger.log("number", number);
    if (i % 2 === 0) logger.log("even_number", 20 * number);
  }
  logger.close();
}

/** Option 2: readable concurrently once every name has been logged and enableConcurrentReaders() called. */
async function writerEnabled(file: string): Promise<void> {
  const logger = new H5Logger(file, { replaceIfExists: true, flushEvery: FLUSH_EVERY });
  for (let i = 0; i < STEPS; i++) {
    await sleep(STEP_MS);
    const number = randn();
    logger.log("number", number);
    if (i % 2 === 0) {
      logger.log("even_number", 20 * number);
      // The first time we get here every dataset exists: readers may come in. Later calls do nothing.
      logger.enableConcurrentReaders();
    }
  }
  logger.close();
}

/** Option 3: readable concurrently by itself once nDatasets names exist. */
async function writerCounted(file: string): Promise<void> {
  const logger = new H5Logger(file, { replaceIfExists: true, flushEvery: FLUSH_EVERY, nDatasets: 2 });
  for (let i = 0; i < STEPS; i++) {
    await sleep(STEP_MS);
    const number = randn();
    logger.log("number", number);
    if (i % 2 === 0) logger.log("even_number", 20 * number);
  }
  logger.close();
}

/** Start the reader of `file` in another process: `loaded` once it is ready, `ended` when it is done. */
function startReader(file: string): { loaded: Promise<unknown>; ended: Promise<void> } {
  const child = spawn(process.execPath, [READER, file, "even_number"], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const ended = new Promise<void>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`the reader of ${file} exited with code ${code}`))));
  });
  return { loaded: Promise.race([once(child, "message"), ended]), ended };
}

const options: [string, (file: string) => Promise<void>][] = [
  ["1. concurrentReaders: true, datasets declared up front", writerDeclared],
  ["2. enableConcurrentReaders() once every name is logged", writerEnabled],
  ["3. nDatasets: 2", writerCounted],
];

// Every reader starts first, all at once (a process takes a second or so to load). Each waits
// until its file exists and readers are let in, so it sees the series from its first value.
const runs = options.map(([title, write], i) => {
  const file = `logging_data_concurrent_${i + 1}.h5`;
  fs.rmSync(file, { force: true });
  return { title, write, file, reader: startReader(file) };
});
for (const { title, write, file, reader } of runs) {
  await reader.loaded;
  console.log(`\n${title}`);
  await write(file);
  await reader.ended;
  fs.rmSync(file, { force: true });
}

// Prints, for each option, the series as the reader saw it grow (the numbers are random), e.g.:
// 2. enableConcurrentReaders() once every name is logged
// [32.48690727]
// [32.48690727, -10.56343505]
// [32.48690727, -10.56343505, 17.30815259]
// [32.48690727, -10.56343505, 17.30815259, 34.89623528]
// [32.48690727, -10.56343505, 17.30815259, 34.89623528, 6.38078192]
