/** The dashboard's only door to the control plane: same origin, session cookie, CSRF header on writes. */
import type { PierRoute } from "@pier/contract";
import { createApiClient } from "@pier/http/client";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

let csrfToken = "";
const unauthorizedListeners = new Set<() => void>();

export function setCsrfToken(token: string): void {
  csrfToken = token;
}

/** Called when a request comes back 401 (expired session): the app shell sends the user to log in. */
export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return `Could not reach pier: ${error.message}`;
  return String(error);
}

/** Turns a non-2xx response into an ApiError carrying the API's `{error:{code,message}}`. */
export async function failure(response: Response, what: string): Promise<ApiError> {
  const text = await response.text().catch(() => "");
  let code = `http_${response.status}`;
  let message = `${what} failed with HTTP ${response.status}`;
  try {
    // The body comes from our own API; only the two fields we display are read, defensively.
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    if (typeof body.error?.code === "string") code = body.error.code;
    if (typeof body.error?.message === "string") message = body.error.message;
  } catch {
    if (text && text.length < 300) message = `${message}: ${text}`;
  }
  if (response.status === 401) for (const listener of unauthorizedListeners) listener();
  return new ApiError(response.status, code, message);
}

export function writeHeaders(json: boolean): Record<string, string> {
  return { "x-csrf-token": csrfToken, ...(json ? { "content-type": "application/json" } : {}) };
}

/**
 * fetch, with a GET that failed before any answer (the network changed under the browser: a
 * laptop switching Wi-Fi, a VPN coming up) made once more. Writes are never repeated: the
 * server may have done them.
 */
async function send(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (error) {
    if ((init.method ?? "GET") !== "GET" || init.signal?.aborted) throw error;
    await new Promise((resolve) => setTimeout(resolve, 300));
    return fetch(url, init);
  }
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await send(`/api/v1${path}`, {
    method,
    credentials: "same-origin",
    headers: method === "GET" ? {} : writeHeaders(body !== undefined),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw await failure(response, `${method} ${path}`);
  // Types below mirror the API's zod schemas; parsing them again here would double the bundle.
  return (await response.json()) as T;
}

export const api = {
  get: <T>(path: string) => request<T>("GET", path),
  post: <T>(path: string, body?: unknown) => request<T>("POST", path, body ?? {}),
  put: <T>(path: string, body: unknown) => request<T>("PUT", path, body),
  delete: <T>(path: string) => request<T>("DELETE", path),
  async text(path: string): Promise<string> {
    const response = await send(`/api/v1${path}`, { credentials: "same-origin" });
    if (!response.ok) throw await failure(response, `GET ${path}`);
    return response.text();
  },
};

/**
 * The typed client of pier's API, shared with the CLI: `pier.call("GET /api/v1/settings")` answers
 * with the type of the server's own response schema (a type-only import: no zod in this bundle).
 */
export const pier = createApiClient<PierRoute>(async ({ method, path, body }) => {
  const response = await send(path, {
    method,
    credentials: "same-origin",
    headers: method === "GET" ? {} : writeHeaders(body !== undefined),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw await failure(response, `${method} ${path}`);
  return response.json();
});
