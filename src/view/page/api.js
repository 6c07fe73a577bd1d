// The server's JSON API. The token travels in the cookie set when the page loaded.

/**
 * A URL with its query.
 * @param {string} path
 * @param {Record<string, string | number | undefined>} params
 */
export function apiUrl(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v));
  return `${path}?${q}`;
}

/**
 * GET a JSON answer, or throw the server's error message.
 * @template T
 * @param {string} path
 * @param {Record<string, string | number | undefined>} [params]
 * @returns {Promise<T>}
 */
export async function get(path, params = {}) {
  const res = await fetch(apiUrl(path, params), { credentials: "same-origin" });
  const body = await res.json();
  if (!res.ok) throw new Error(body?.error ?? `${res.status} ${res.statusText}`);
  return body;
}
