/**
 * The rules of a local server that reads users' files: a random token per launch on every
 * request, a `Host` allow-list against DNS rebinding, GET and HEAD only, no CORS headers, and
 * a strict Content-Security-Policy on every answer.
 *
 * @module
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

/** A fresh token: 128 random bits as hex. */
export function newToken(): string {
  return randomBytes(16).toString("hex");
}

/** The headers every answer carries. Scripts, styles, data: only from this server. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "Content-Security-Policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Resource-Policy": "same-origin",
  "X-Frame-Options": "DENY",
};

/** The cookie that carries the token after the page was opened with `?token=`; named after the port, as cookies ignore ports. */
export function cookieName(port: number): string {
  return `h5logger_view_${port}`;
}

/** Host names accepted in the `Host` header: loopback names, and the one the server was bound to. */
export function allowedHosts(bound: string): Set<string> {
  const hosts = new Set(["localhost", "127.0.0.1", "[::1]"]);
  hosts.add(bound.includes(":") && !bound.startsWith("[") ? `[${bound}]` : bound.toLowerCase());
  return hosts;
}

/** The host name of a `Host` header without its port, lower case; null when malformed. */
export function hostOf(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::\d{1,5})?$/i.exec(header.trim());
  return m ? (m[1] as string).toLowerCase() : null;
}

/** Why a request is refused, or null to serve it. */
export interface Refusal {
  status: 401 | 403 | 405;
  message: string;
}

export class Guard {
  readonly token: string;
  readonly #token: Buffer;
  readonly #hosts: Set<string>;
  readonly #cookie: string;

  constructor(token: string, bound: string, port: number) {
    this.token = token;
    this.#token = Buffer.from(token);
    this.#hosts = allowedHosts(bound);
    this.#cookie = cookieName(port);
  }

  get cookie(): string {
    return this.#cookie;
  }

  /** Host first (a rebinding page must learn nothing), then method, then token. */
  check(req: IncomingMessage, url: URL): Refusal | null {
    const host = hostOf(req.headers.host);
    if (host === null || !this.#hosts.has(host)) return { status: 403, message: "this Host is not allowed" };
    if (req.method !== "GET" && req.method !== "HEAD") return { status: 405, message: "only GET and HEAD" };
    const given = url.searchParams.get("token") ?? cookieValue(req.headers.cookie, this.#cookie);
    if (given === null) return { status: 401, message: "a token is needed: open the URL printed by h5logger view" };
    const buf = Buffer.from(given);
    if (buf.length !== this.#token.length || !timingSafeEqual(buf, this.#token)) return { status: 403, message: "wrong token" };
    return null;
  }

  /** The cookie that lets the page's own requests through without the token in their URL. */
  setCookie(res: ServerResponse): void {
    res.setHeader("Set-Cookie", `${this.#cookie}=${this.token}; HttpOnly; SameSite=Strict; Path=/`);
  }
}

function cookieValue(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}
