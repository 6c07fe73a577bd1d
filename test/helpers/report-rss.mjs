// Preloaded into a child process (node --import): on exit, writes the process's peak resident
// memory in bytes to the file named by H5LOGGER_RSS_FILE, so a test can check a command's memory.
import fs from "node:fs";

const out = process.env.H5LOGGER_RSS_FILE;
if (out) process.on("exit", () => fs.writeFileSync(out, String(process.resourceUsage().maxRSS * 1024)));
