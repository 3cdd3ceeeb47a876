import type { PierRoute } from "@pier/contract";
import { type ApiClient, createApiClient } from "@pier/http/client";
import { type CliConfig, readCliConfig } from "./cli-config.ts";
import { type ParsedArgs, UsageError } from "./command.ts";

export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiRequestError";
  }
}

export class NotLoggedInError extends Error {
  constructor() {
    super(
      "Not logged in: run `pier login URL --token TOKEN`, or pass --url and --token (or PIER_URL and PIER_TOKEN).",
    );
    this.name = "NotLoggedInError";
  }
}

export const connectionFlags = {
  url: { type: "string", value: "URL", help: "pier console URL (default: from `pier login`, or PIER_URL)" },
  token: { type: "string", value: "TOKEN", help: "API token (default: from `pier login`, or PIER_TOKEN)" },
} as const;

/** Flags beat PIER_URL/PIER_TOKEN, which beat the file `pier login` wrote. */
export function resolveConnection(args: ParsedArgs, env = process.env): CliConfig {
  const saved = readCliConfig();
  const flagUrl = args.flags.url as string | undefined;
  const url = flagUrl ?? (env.PIER_URL || undefined) ?? saved?.url;
  const token = (args.flags.token as string | undefined) ?? (env.PIER_TOKEN || undefined) ?? saved?.token;
  if (!url || !token) throw new NotLoggedInError();
  if (!isHttpUrl(url)) {
    const source = flagUrl !== undefined ? "--url" : env.PIER_URL ? "PIER_URL" : "the saved login";
    throw new UsageError(
      `${source} "${url}" is not an http(s) URL: use the console address, e.g. http://my-server:7070`,
    );
  }
  return { url, token };
}

function isHttpUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const { protocol } = new URL(value);
  return protocol === "http:" || protocol === "https:";
}

/**
 * The API URL for `path`. A name of "." or ".." (or %2e forms) would be resolved away by the URL
 * parser and send the request to a different route (`apps delete ..` is DELETE /api/v1/), so such
 * a path is refused rather than sent.
 */
export function apiUrl(connection: { url: string }, path: string): URL {
  const target = new URL(path, connection.url);
  const wanted = path.split("?")[0]!;
  if (target.pathname !== wanted)
    throw new UsageError('"." and ".." are not valid names (they would change the API path)');
  return target;
}

/**
 * fetch of an API path with the connection's token, and the errors a CLI user can act on: pier not
 * reachable, or a path the name would change.
 */
export async function apiFetch(
  connection: { url: string; token?: string },
  path: string,
  init: Omit<RequestInit, "headers"> & { headers?: Record<string, string> } = {},
): Promise<Response> {
  const target = apiUrl(connection, path);
  const headers = connection.token
    ? { authorization: `Bearer ${connection.token}`, ...init.headers }
    : init.headers;
  try {
    return await fetch(target, { ...init, headers });
  } catch (error) {
    throw new Error(
      `Cannot reach pier at ${connection.url} (${(error as Error).message}). Is \`pier serve\` running there? Check --url or PIER_URL.`,
    );
  }
}

/** The server's JSON error as an ApiRequestError, with a hint when the token is the problem. */
export function apiError(status: number, payload: unknown): ApiRequestError {
  const err = (payload as { error?: { code?: string; message?: string } } | undefined)?.error;
  let message = err?.message ?? `HTTP ${status}`;
  if (status === 401)
    message += " Log in again with `pier login URL --token TOKEN`, or set PIER_TOKEN to a valid token.";
  return new ApiRequestError(status, err?.code ?? "error", message);
}

export async function apiRequest<T>(
  connection: { url: string; token?: string },
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const res = await apiFetch(connection, path, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let payload: unknown;
  try {
    payload = text ? JSON.parse(text) : {};
  } catch {
    throw new ApiRequestError(
      res.status,
      "bad_response",
      `pier answered ${res.status} with a non-JSON body.`,
    );
  }
  if (!res.ok) throw apiError(res.status, payload);
  return payload as T;
}

/**
 * The typed client of pier's API: `pierApi(connection).call("GET /api/v1/apps")` answers with the
 * route's response type, taken from the server's own contract.
 */
export function pierApi(connection: { url: string; token?: string }): ApiClient<PierRoute> {
  return createApiClient<PierRoute>((call) => apiRequest(connection, call.method, call.path, call.body));
}
