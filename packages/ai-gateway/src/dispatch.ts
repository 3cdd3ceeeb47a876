import { PierError } from "@pier/core";
import type { Target } from "./model-routing.ts";
import {
  buildUpstreamCall,
  type Endpoint,
  isRetriableStatus,
  type ProviderConfig,
  UnsupportedEndpointError,
} from "./providers.ts";
import type { ChatRequest, GatewaySettings } from "./schemas.ts";

export interface DispatchSuccess {
  ok: true;
  response: Response;
  target: Target;
  provider: ProviderConfig;
  attempts: number;
  /** Stops the per-attempt timeout: streams call it once headers are in, JSON once the body is read. */
  settle(): void;
  abort(): void;
  /** The per-attempt timeout fired (and aborted the request). */
  timedOut(): boolean;
}

export interface DispatchFailure {
  ok: false;
  status: number;
  /** pier's account of the failure, which the routes write in the client's API. */
  code: string;
  message: string;
  /**
   * The provider's own error answer, passed on instead as it is: a 4xx refusing the request (its
   * body says why), or the last provider's 5xx.
   */
  upstream?: { body: string; contentType: string };
  target?: Target;
  attempts: number;
  /** For the usage log. */
  error: string;
  /** The provider's Retry-After on its last 429/503, passed on so the client's SDK backs off as asked. */
  retryAfter?: string;
}

export interface DispatchOptions {
  targets: Target[];
  providers: ReadonlyMap<string, ProviderConfig>;
  endpoint: Endpoint;
  body: Record<string, unknown>;
  /** The request as chat completions, for targets that need it translated (see `wireFor`). */
  asChat?: () => ChatRequest;
  /** Client headers passed to a provider that speaks the client's API (see `buildUpstreamCall`). */
  passHeaders?: Record<string, string>;
  settings: Pick<GatewaySettings, "timeoutMs" | "retries" | "backoffMs">;
  fetch: (input: string, init?: RequestInit) => Promise<Response>;
  clientSignal?: AbortSignal;
  sleep?: (ms: number) => Promise<unknown>;
}

const maxBackoffMs = 10_000;

function gatewayError(
  status: number,
  code: string,
  message: string,
  error = message,
): Omit<DispatchFailure, "attempts" | "target"> {
  return { ok: false, status, code, message, error };
}

/** A runtime error's code (ECONNREFUSED, ZlibError…) for the usage log, without its message (which names URLs). */
export function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : ((error as Error | null)?.name ?? "Error");
}

/**
 * Tries each target in order; each one gets 1 + retries attempts with exponential back-off on
 * 429, 5xx, timeouts and connection errors. A provider's 4xx (bad request, auth) ends the loop at
 * once: another provider would reject the same request, and retrying it costs the user money.
 */
export async function dispatch(options: DispatchOptions): Promise<DispatchSuccess | DispatchFailure> {
  const sleep = options.sleep ?? Bun.sleep;
  const { retries, backoffMs, timeoutMs } = options.settings;
  let attempts = 0;
  let last: Omit<DispatchFailure, "attempts" | "target"> = gatewayError(
    502,
    "no_target",
    "No provider could serve this model.",
  );
  let lastTarget: Target | undefined;
  for (const target of options.targets) {
    const provider = options.providers.get(target.provider);
    if (!provider) continue;
    let call: ReturnType<typeof buildUpstreamCall>;
    try {
      call = buildUpstreamCall(
        provider,
        options.endpoint,
        options.body,
        target.model,
        options.asChat,
        options.passHeaders,
      );
    } catch (error) {
      if (!(error instanceof UnsupportedEndpointError)) throw error;
      last = gatewayError(400, error.code, error.message);
      lastTarget = target;
      continue;
    }
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (options.clientSignal?.aborted)
        return { ...gatewayError(499, "client_closed", "The client went away."), attempts, target };
      if (attempts > 0) await sleep(Math.min(maxBackoffMs, backoffMs * 2 ** Math.max(0, attempt - 1)));
      attempts++;
      lastTarget = target;
      const controller = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, timeoutMs);
      const onClientAbort = () => controller.abort();
      options.clientSignal?.addEventListener("abort", onClientAbort, { once: true });
      const settle = () => {
        clearTimeout(timer);
      };
      try {
        const response = await options.fetch(call.url, {
          method: "POST",
          headers: call.headers,
          body: call.body,
          signal: controller.signal,
        });
        if (response.ok) {
          return {
            ok: true,
            response,
            target,
            provider,
            attempts,
            settle,
            abort: () => controller.abort(),
            timedOut: () => timedOut,
          };
        }
        const text = await response.text().catch(() => "");
        settle();
        last = {
          ok: false,
          status: response.status,
          code: "upstream_error",
          message: `Provider "${target.provider}" answered ${response.status}.`,
          upstream: { body: text, contentType: response.headers.get("content-type") ?? "application/json" },
          error: `${target.provider}/${target.model} answered ${response.status}`,
          retryAfter: response.headers.get("retry-after") ?? undefined,
        };
        // The request itself was refused (bad input, auth): the provider's own answer says why.
        if (!isRetriableStatus(response.status)) return { ...last, attempts, target };
      } catch (error) {
        settle();
        if (options.clientSignal?.aborted)
          return { ...gatewayError(499, "client_closed", "The client went away."), attempts, target };
        last = timedOut
          ? gatewayError(
              504,
              "upstream_timeout",
              `${target.provider}/${target.model} did not answer within ${timeoutMs} ms.`,
            )
          : gatewayError(
              502,
              "upstream_unreachable",
              `Provider "${target.provider}" could not be reached (${errorCode(error)}).`,
              `${target.provider}/${target.model}: ${(error as Error).message}`,
            );
      } finally {
        options.clientSignal?.removeEventListener("abort", onClientAbort);
      }
    }
  }
  // Every provider failed. A last provider rate limiting is a 429 with its Retry-After, so the
  // client's SDK backs off as asked (its body would be in the provider's API: pier writes its own).
  // Otherwise the client talks to a gateway, so a provider's 500 is a 502 (504 stays a timeout),
  // with the last provider's body to say why.
  if (last.status === 429 && lastTarget) {
    // Retry-After is seconds or an HTTP date; anything else is not repeated to the client.
    const after = last.retryAfter ?? "";
    const wait = /^\d+$/.test(after)
      ? ` and asks to retry after ${after} s`
      : after && !Number.isNaN(Date.parse(after))
        ? ` and asks to retry after ${after}`
        : "";
    return {
      ...last,
      code: "provider_rate_limited",
      message: `Provider "${lastTarget.provider}" is rate limiting pier's requests${wait}.`,
      upstream: undefined,
      attempts,
      target: lastTarget,
    };
  }
  const status = last.status === 504 || last.status === 400 ? last.status : 502;
  return { ...last, status, attempts, target: lastTarget };
}

/**
 * A request no provider answered, as pier reports it (timeout, unreachable, rate limiting or
 * unreadable provider), with the headers the client needs (Retry-After, x-pier-attempts). The
 * routes write it in the client's API.
 */
export class UpstreamError extends PierError {
  constructor(
    code: string,
    message: string,
    status: number,
    readonly headers: Record<string, string>,
  ) {
    super(code, message, status);
  }
}

/**
 * A provider's (non-streamed) answer, read to its end and parsed, or why it could not be: a
 * timeout (504), the client leaving (499), a body the runtime cannot read (502: a connection
 * broken mid-body, or a body that does not match its Content-Encoding), or a body that is not
 * JSON (502: an HTML error page, an empty or cut-off body), which is no answer in any of the APIs,
 * translated or not. The client is told which provider, never the runtime's message, which names
 * the provider's URL.
 */
export async function readAnswer(
  success: DispatchSuccess,
  timeoutMs: number,
  clientSignal?: AbortSignal,
): Promise<{ ok: true; text: string; json: unknown } | DispatchFailure> {
  const { target, attempts } = success;
  const failure = (status: number, code: string, message: string, logged: string): DispatchFailure => ({
    ...gatewayError(status, code, message, `${target.provider}/${target.model}: ${logged}`),
    attempts,
    target,
  });
  let text: string;
  try {
    text = await success.response.text();
  } catch (error) {
    if (clientSignal?.aborted) return failure(499, "client_closed", "The client went away.", "client closed");
    if (success.timedOut())
      return failure(
        504,
        "upstream_timeout",
        `Provider "${target.provider}" did not finish its answer within ${timeoutMs} ms.`,
        `answer not read within ${timeoutMs} ms`,
      );
    return failure(
      502,
      "upstream_invalid",
      `Provider "${target.provider}" sent an answer pier could not read: the connection broke, or the body does not match its Content-Encoding.`,
      `answer unreadable (${errorCode(error)})`,
    );
  } finally {
    success.settle();
  }
  try {
    return { ok: true, text, json: JSON.parse(text) };
  } catch {
    return failure(
      502,
      "upstream_invalid",
      `Provider "${target.provider}" answered with a body that is not JSON (an error page, or empty or cut short); pier cannot pass it on.`,
      "answer is not JSON",
    );
  }
}
