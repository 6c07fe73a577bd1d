/**
 * Helpers for the viewer's tests: a viewer on a free port that stops when the test ends, and
 * raw HTTP requests (a socket, so that paths and headers go out exactly as written).
 */
import net from "node:net";
import type { TestContext } from "node:test";
import { startViewer, type Viewer, type ViewerOptions } from "../../src/view/server.js";

export async function viewer(t: TestContext, paths: string[], options: Partial<ViewerOptions> = {}): Promise<Viewer> {
  const v = await startViewer({ paths, port: 0, ...options });
  t.after(() => v.close());
  return v;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Send `request` (request line and headers, CRLF-separated, without the final blank line) and read the answer. */
export function raw(port: number, request: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => socket.end(`${request}\r\nConnection: close\r\n\r\n`));
    let data = "";
    socket.setEncoding("latin1").on("data", (chunk: string) => {
      data += chunk;
    });
    socket.on("error", reject);
    socket.on("close", () => {
      const [head = "", ...rest] = data.split("\r\n\r\n");
      const [statusLine = "", ...lines] = head.split("\r\n");
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const i = line.indexOf(":");
        if (i > 0) headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
      }
      resolve({ status: Number(statusLine.split(" ")[1]), headers, body: rest.join("\r\n\r\n") });
    });
  });
}

/** A GET with the right Host and the token in a cookie, through fetch. */
export async function api<T = unknown>(v: Viewer, path: string): Promise<{ status: number; body: T; headers: Headers }> {
  const res = await fetch(`http://127.0.0.1:${v.port}${path}`, { headers: { Cookie: `h5logger_view_${v.port}=${v.token}` } });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // CSV and pages stay text.
  }
  return { status: res.status, body: body as T, headers: res.headers };
}

/** One Server-Sent Event. */
export interface PushedEvent {
  event: string;
  data: unknown;
}

/** The viewer's event stream, read as events; `until` resolves with the first (seen or to come) that `match` accepts. */
export async function eventStream(t: TestContext, v: Viewer): Promise<{ until(match: (e: PushedEvent) => boolean): Promise<PushedEvent> }> {
  const controller = new AbortController();
  t.after(() => controller.abort());
  const res = await fetch(`http://127.0.0.1:${v.port}/api/events`, {
    headers: { Cookie: `h5logger_view_${v.port}=${v.token}` },
    signal: controller.signal,
  });
  const reader = (res.body as ReadableStream<Uint8Array>).pipeThrough(new TextDecoderStream()).getReader();
  const seen: PushedEvent[] = [];
  let text = "";
  return {
    async until(match) {
      for (let checked = 0; ; ) {
        for (; checked < seen.length; checked++) if (match(seen[checked] as PushedEvent)) return seen[checked] as PushedEvent;
        const { value, done } = await reader.read();
        if (done) throw new Error("the event stream ended");
        const blocks = (text + value).split("\n\n");
        text = blocks.pop() ?? "";
        for (const block of blocks) {
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) seen.push({ event, data: JSON.parse(data) });
        }
      }
    },
  };
}
