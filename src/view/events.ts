/**
 * Server-Sent Events: every open page gets the catalog's changes pushed as they happen
 * (`runs`: the list changed, fetch it again; `rows`: these series grew), and a comment every
 * 15 s keeps proxies and idle timers from closing the stream.
 *
 * @module
 */
import type { ServerResponse } from "node:http";

const HEARTBEAT_MS = 15_000;

export class EventHub {
  readonly #clients = new Set<ServerResponse>();
  readonly #timer: NodeJS.Timeout;

  constructor() {
    this.#timer = setInterval(() => this.#write(": keep-alive\n\n"), HEARTBEAT_MS);
    this.#timer.unref();
  }

  get size(): number {
    return this.#clients.size;
  }

  /** Take over a response as an event stream until the page goes away. */
  attach(res: ServerResponse): void {
    res.writeHead(200, { "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-store", Connection: "keep-alive" });
    res.write("retry: 1000\n\n");
    this.#clients.add(res);
    res.on("close", () => this.#clients.delete(res));
  }

  send(event: string, data: unknown): void {
    this.#write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  #write(text: string): void {
    for (const res of this.#clients) res.write(text);
  }

  close(): void {
    clearInterval(this.#timer);
    for (const res of this.#clients) res.end();
    this.#clients.clear();
  }
}
