import { type CliConfig, readCliConfig } from "./cli-config.ts";
import type { ParsedArgs } from "./command.ts";

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
  const url = (args.flags.url as string | undefined) ?? env.PIER_URL ?? saved?.url;
  const token = (args.flags.token as string | undefined) ?? env.PIER_TOKEN ?? saved?.token;
  if (!url || !token) throw new NotLoggedInError();
  return { url, token };
}

export async function apiRequest<T>(
  connection: { url: string; token?: string },
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const headers: Record<string, string> = {};
  if (connection.token) headers.authorization = `Bearer ${connection.token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const target = new URL(path, connection.url);
  let res: Response;
  try {
    res = await fetch(target, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new Error(
      `Cannot reach pier at ${connection.url} (${(error as Error).message}). Is \`pier serve\` running?`,
    );
  }
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
  if (!res.ok) {
    const err = (payload as { error?: { code?: string; message?: string } }).error;
    throw new ApiRequestError(res.status, err?.code ?? "error", err?.message ?? `HTTP ${res.status}`);
  }
  return payload as T;
}
