/**
 * `h5logger view`'s HTTP server: the page, its assets, the JSON API and the event stream,
 * behind the rules of security.ts. Bound to 127.0.0.1 by default. A request that fails (a
 * malformed file, a bad parameter) gets an error answer; nothing a request does stops the
 * server, and nothing it does writes to a file.
 *
 * @example
 * const viewer = await startViewer({ paths: ["runs/"], port: 0 });
 * console.log(viewer.url); // http://127.0.0.1:PORT/?token=...
 * await viewer.close();
 *
 * @module
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { type Handler, JSON_ROUTES } from "./api.js";
import { ARRAY_ROUTES } from "./arrays.js";
import { loadAssets } from "./assets.js";
import { PyramidCache } from "./cache.js";
import { Catalog } from "./catalog.js";
import { csv } from "./csv.js";
import { EventHub } from "./events.js";
import { MergeStore } from "./merges.js";
import { ApiError, sendJson } from "./params.js";
import { Guard, newToken, SECURITY_HEADERS } from "./security.js";

/** Options of {@link startViewer}. */
export interface ViewerOptions {
  /** Files, run folders, and folders of runs (watched: see catalog.ts). */
  paths: readonly string[];
  /** Address to bind. @default "127.0.0.1" */
  host?: string;
  /** Port; 0 picks a free one. @default 6006, or the next free one when taken */
  port?: number;
  /** Bytes of per-series statistics kept in memory. @default 128 MiB */
  cacheBytes?: number;
  /** The token to require (tests); a random one by default. */
  token?: string;
}

export interface Viewer {
  /** The URL to open, token included. */
  readonly url: string;
  readonly token: string;
  readonly host: string;
  readonly port: number;
  readonly catalog: Catalog;
  close(): Promise<void>;
}

export const DEFAULT_PORT = 6006;
/** Ports tried after the default when it is taken. */
const PORT_TRIES = 20;

const ROUTES: Record<string, Handler> = { ...JSON_ROUTES, ...ARRAY_ROUTES, "/api/csv": csv };

export async function startViewer(options: ViewerOptions): Promise<Viewer> {
  const host = options.host ?? "127.0.0.1";
  const assets = loadAssets();
  const catalog = new Catalog(options.paths);
  const cache = new PyramidCache(options.cacheBytes);
  const merges = new MergeStore();
  const hub = new EventHub();
  const token = options.token ?? newToken();
  let guard: Guard | null = null;

  const server = http.createServer((req, res) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    const url = new URL(req.url ?? "/", "http://localhost");
    const refusal = (guard as Guard).check(req, url);
    if (refusal) {
      if (refusal.status === 405) res.setHeader("Allow", "GET, HEAD");
      res.writeHead(refusal.status, { "Content-Type": "text/plain; charset=utf-8" });
      return void res.end(`${refusal.message}\n`);
    }
    if (url.pathname === "/api/events") return hub.attach(res);
    const route = ROUTES[url.pathname];
    if (route) {
      Promise.resolve()
        .then(() => route({ catalog, cache, merges }, url.searchParams, req, res))
        .catch((err: unknown) => {
          const status = err instanceof ApiError ? err.status : 500;
          if (!res.headersSent) sendJson(req, res, status, { error: err instanceof Error ? err.message : String(err) });
          else res.destroy();
        });
      return;
    }
    const asset = assets.get(url.pathname);
    if (!asset) {
      res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" });
      return void res.end("not found\n");
    }
    if (url.pathname === "/" && url.searchParams.has("token")) (guard as Guard).setCookie(res);
    const gzip = /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""));
    const body = gzip ? asset.gzipped : asset.body;
    res.writeHead(200, {
      "Content-Type": asset.type,
      "Content-Length": body.length,
      "Cache-Control": "no-cache",
      Vary: "Accept-Encoding",
      ...(gzip ? { "Content-Encoding": "gzip" } : {}),
    });
    res.end(req.method === "HEAD" ? undefined : body);
  });
  server.on("clientError", (_err, socket) => socket.destroy());

  const port = await listen(server, host, options.port);
  guard = new Guard(token, host, port);
  catalog.on("runs", () => hub.send("runs", { runs: catalog.list() }));
  catalog.on("rows", (change) => hub.send("rows", change));
  catalog.start();
  const shown = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/?token=${token}`,
    token,
    host,
    port,
    catalog,
    async close() {
      catalog.stop();
      hub.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Listen on `port`, or (none given) on the default port or the next free one. */
async function listen(server: http.Server, host: string, port: number | undefined): Promise<number> {
  const tries = port === undefined ? Array.from({ length: PORT_TRIES }, (_, i) => DEFAULT_PORT + i) : [port];
  for (const [i, p] of tries.entries()) {
    try {
      await new Promise<void>((resolve, reject) => {
        const fail = (err: Error) => reject(err);
        server.once("error", fail);
        server.listen(p, host, () => {
          server.off("error", fail);
          resolve();
        });
      });
      return (server.address() as AddressInfo).port;
    } catch (err) {
      const inUse = (err as NodeJS.ErrnoException).code === "EADDRINUSE";
      if (!inUse || i === tries.length - 1) throw err;
    }
  }
  throw new Error("unreachable");
}
