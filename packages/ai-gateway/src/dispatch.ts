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
}

export interface DispatchFailure {
  ok: false;
  status: number;
  /** The last provider's error body, or one pier wrote for timeouts and unreachable providers. */
  body: string;
  contentType: string;
  target?: Target;
  attempts: number;
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
): Omit<DispatchFailure, "attempts" | "target"> {
  return {
    ok: false,
    status,
    body: JSON.stringify({ error: { code, message, type: "pier_gateway_error" } }),
    contentType: "application/json",
    error: message,
  };
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
          return { ok: true, response, target, provider, attempts, settle, abort: () => controller.abort() };
        }
        const text = await response.text().catch(() => "");
        settle();
        last = {
          ok: false,
          status: response.status,
          body: text,
          contentType: response.headers.get("content-type") ?? "application/json",
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
              `${target.provider}/${target.model}: ${(error as Error).message}`,
            );
      } finally {
        options.clientSignal?.removeEventListener("abort", onClientAbort);
      }
    }
  }
  // Every provider failed: the client talks to a gateway, so a provider's 429 or 500 is a 502
  // (504 stays a timeout), with the last provider's body and Retry-After to say why and when.
  const status = last.status === 504 || last.status === 400 ? last.status : 502;
  return { ...last, status, attempts, target: lastTarget };
}
