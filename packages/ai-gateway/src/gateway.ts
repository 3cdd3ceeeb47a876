import {
  ForbiddenError,
  type Logger,
  newId,
  PierError,
  RateLimitedError,
  UnauthorizedError,
  ValidationError,
} from "@pier/core";
import type { SecretBox } from "@pier/secrets";
import type { z } from "zod";
import { Catalog } from "./catalog.ts";
import { ConversationStore } from "./conversations.ts";
import { type CountTokensRequest, countTokensRequestSchema, estimateInputTokens } from "./count-tokens.ts";
import { type DispatchFailure, dispatch, readAnswer, UpstreamError } from "./dispatch.ts";
import { messagesRequestSchema } from "./messages.ts";
import { checkMinuteLimits, MinuteWindow } from "./minute-window.ts";
import { isModelAllowed, ModelNotAllowedError, resolveTargets } from "./model-routing.ts";
import { costUsd, findPrice } from "./prices.ts";
import { usageOf } from "./provider-usage.ts";
import { buildUpstreamCall, type Endpoint, isRetriableStatus, wireFor } from "./providers.ts";
import { type CachedResponse, cacheKey, ResponseCache } from "./response-cache.ts";
import { type ResponsesRequest, responsesRequestSchema } from "./responses.ts";
import { chatRequestSchema, completionRequestSchema, embeddingRequestSchema } from "./schemas.ts";
import type { AiStore, KeyRow } from "./store.ts";
import { relayStream } from "./stream-relay.ts";
import { Surface } from "./surfaces.ts";
import type { NewUsage } from "./usage-log.ts";

export class BudgetExceededError extends PierError {
  constructor(budget: number) {
    super(
      "budget_exceeded",
      `This key has spent its monthly budget of $${budget.toFixed(2)}; an operator can raise it or issue a new key.`,
      402,
    );
  }
}

export interface GatewayDeps {
  store: AiStore;
  secretBox: SecretBox;
  logger: Logger;
  fetch?: (input: string, init?: RequestInit) => Promise<Response>;
  now?: () => number;
}

const bodySchemas: Record<Endpoint, z.ZodType<{ model: string; stream?: boolean }>> = {
  "chat/completions": chatRequestSchema,
  completions: completionRequestSchema,
  embeddings: embeddingRequestSchema,
  responses: responsesRequestSchema,
  messages: messagesRequestSchema,
};
const maxBodyBytes = 8 * 1024 * 1024;

/** Anthropic's beta flags (`anthropic-beta`, which its SDK's beta methods send) go to Anthropic providers. */
function passHeaders(endpoint: Endpoint, headers: Headers): Record<string, string> {
  const beta = endpoint === "messages" ? headers.get("anthropic-beta") : null;
  return beta ? { "anthropic-beta": beta } : {};
}

function monthStart(nowMs: number): Date {
  const d = new Date(nowMs);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
}

/** The request path: key → limits → cache → providers with fallbacks → usage log. */
export class AiGateway {
  readonly catalog: Catalog;
  private readonly cache: ResponseCache;
  private readonly windows = new Map<string, MinuteWindow>();
  private readonly spend = new Map<string, { month: number; usd: number }>();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly conversations: ConversationStore;
  private readonly fetch: (input: string, init?: RequestInit) => Promise<Response>;
  private readonly now: () => number;

  private constructor(private readonly deps: GatewayDeps) {
    this.catalog = new Catalog(deps.store, deps.secretBox);
    this.cache = new ResponseCache(() => ({
      ttlSeconds: this.catalog.settings.cacheTtlSeconds,
      maxEntries: this.catalog.settings.cacheMaxEntries,
    }));
    this.fetch = deps.fetch ?? fetch;
    this.now = deps.now ?? Date.now;
    this.conversations = new ConversationStore(deps.store.conversations);
  }

  static async create(deps: GatewayDeps): Promise<AiGateway> {
    const gateway = new AiGateway(deps);
    await gateway.catalog.load();
    return gateway;
  }

  get store(): AiStore {
    return this.deps.store;
  }

  /** `pierAppId` comes from the proxy (X-Pier-App): a key bound to another app is refused on that host. */
  async authenticate(authorization: string | undefined, pierAppId?: string): Promise<KeyRow> {
    const match = authorization ? /^Bearer\s+(\S+)$/i.exec(authorization) : null;
    if (!match)
      throw new UnauthorizedError(
        "Send the pier AI key as `Authorization: Bearer pier_ai_…` (OPENAI_API_KEY).",
      );
    const key = await this.catalog.findKey(match[1]!);
    if (!key)
      throw new UnauthorizedError("This AI key is unknown or revoked; issue one with `pier ai key NAME`.");
    if (pierAppId && key.appId && key.appId !== pierAppId)
      throw new ForbiddenError("This AI key belongs to another app than the host it was sent to.");
    return key;
  }

  /**
   * The model list a key may use: aliases plus the models each provider was configured with, in
   * OpenAI's shape, or in Anthropic's for its SDK (`client.models.list()`, which sends anthropic-version).
   */
  models(key: KeyRow, shape: "openai" | "anthropic" = "openai") {
    const ids = [
      ...[...this.catalog.aliases.keys()].map((id) => ({ id, owned_by: "pier" })),
      ...[...this.catalog.providers.values()].flatMap((p) =>
        p.models.map((m) => ({ id: `${p.name}/${m}`, owned_by: p.name })),
      ),
    ];
    const allowed = ids.filter((m) => isModelAllowed(m.id, key.allowedModels));
    if (shape === "anthropic")
      return {
        data: allowed.map((m) => ({
          type: "model",
          id: m.id,
          display_name: m.id,
          created_at: "1970-01-01T00:00:00Z",
        })),
        has_more: false,
        first_id: allowed[0]?.id ?? null,
        last_id: allowed.at(-1)?.id ?? null,
      };
    return {
      object: "list",
      data: allowed.map((m) => ({ id: m.id, object: "model", created: 0, owned_by: m.owned_by })),
    };
  }

  async handle(endpoint: Endpoint, key: KeyRow, request: Request): Promise<Response> {
    const startedAt = this.now();
    const body = await this.readJson(request, endpoint);
    const requested = body.model;
    if (!isModelAllowed(requested, key.allowedModels)) throw new ModelNotAllowedError(requested);
    const targets = resolveTargets(requested, this.catalog.aliases, new Set(this.catalog.providers.keys()));
    await this.checkBudget(key);
    const window = this.windowFor(key.id);
    const limited = checkMinuteLimits(window, key, startedAt);
    if (limited) {
      throw new RateLimitedError(
        `This key reached its ${limited.limit}-per-minute limit; retry in ${limited.retryAfterSeconds} s.`,
        limited.retryAfterSeconds,
      );
    }
    window.add(startedAt, 1, 0);

    const stream = body.stream === true && endpoint !== "embeddings";
    const includeUsage =
      (body as { stream_options?: { include_usage?: boolean } | null }).stream_options?.include_usage ===
      true;
    const base: NewUsage = {
      id: newId("aiu"),
      appId: key.appId,
      keyId: key.id,
      endpoint,
      requestedModel: requested,
      latencyMs: 0,
      status: 0,
      stream,
    };
    const bypass = /no-store|no-cache|off/i.test(request.headers.get("x-pier-cache") ?? "");
    const forward = passHeaders(endpoint, request.headers);
    // Beta flags can change the answer: they are part of what makes two requests the same.
    const cacheScope = `${endpoint}${Object.keys(forward).length ? JSON.stringify(forward) : ""}`;
    const cacheId = bypass ? undefined : cacheKey(key.appId ?? key.id, cacheScope, body);
    const hit = cacheId ? this.cache.get(cacheId, startedAt) : undefined;
    if (hit) return this.replay(hit, base, startedAt, stream);

    // Whose conversations previous_response_id may continue: the key's app, else the key.
    const scope = key.appId ?? key.id;
    const previous = endpoint === "responses" ? (body as ResponsesRequest).previous_response_id : null;
    const surface = new Surface({
      endpoint,
      body,
      model: requested,
      history: previous ? await this.conversations.get(scope, previous) : undefined,
      keep: (responseId, messages) =>
        this.track(this.conversations.set(scope, responseId, messages), "AI conversation not written"),
      nowSeconds: Math.floor(startedAt / 1000),
    });
    const result = await dispatch({
      targets,
      providers: this.catalog.providers,
      endpoint,
      body,
      asChat: surface.asChat,
      passHeaders: forward,
      settings: this.catalog.settings,
      fetch: this.fetch,
      clientSignal: request.signal,
    });
    if (!result.ok) return this.failure(result, base, startedAt);

    const wire = wireFor(result.provider.kind, endpoint);
    const headers = {
      "x-pier-cache": bypass ? "bypass" : "miss",
      "x-pier-provider": result.target.provider,
      "x-pier-model": result.target.model,
      "x-pier-attempts": String(result.attempts),
    };
    const usage = {
      ...base,
      provider: result.target.provider,
      model: result.target.model,
      attempts: result.attempts,
    };

    if (stream) {
      result.settle();
      const body = relayStream({
        upstream: result.response,
        provider: result.target.provider,
        codec: surface.codec(wire, includeUsage),
        startedAt,
        now: this.now,
        abortUpstream: result.abort,
        idleTimeoutMs: this.catalog.settings.timeoutMs,
        onDone: (outcome) => {
          this.record({
            ...usage,
            status: outcome.status,
            promptTokens: outcome.promptTokens,
            completionTokens: outcome.completionTokens,
            ttftMs: outcome.ttftMs,
            latencyMs: this.now() - startedAt,
            error: outcome.error ?? null,
          });
          if (cacheId && outcome.events) {
            this.cache.set(cacheId, {
              kind: "stream",
              events: outcome.events,
              promptTokens: outcome.promptTokens,
              completionTokens: outcome.completionTokens,
            });
          }
        },
      });
      return new Response(body, {
        status: 200,
        headers: {
          ...headers,
          "content-type": "text/event-stream",
          "cache-control": "no-cache",
          connection: "keep-alive",
        },
      });
    }

    const read = await readAnswer(result, this.catalog.settings.timeoutMs, request.signal);
    if (!read.ok) return this.failure(read, base, startedAt);
    const latencyMs = this.now() - startedAt;
    let json: unknown;
    let text = read.text;
    try {
      json = surface.answer(wire, read.json);
    } catch (error) {
      if (!(error instanceof PierError)) throw error;
      return this.failure(
        {
          ok: false,
          status: error.status,
          code: error.code,
          message: error.message,
          attempts: result.attempts,
          target: result.target,
          error: `${result.target.provider}/${result.target.model}: ${error.message}`,
        },
        base,
        startedAt,
      );
    }
    if (wire !== "native") text = JSON.stringify(json);
    const { promptTokens, completionTokens } = usageOf(json);
    this.record({ ...usage, status: 200, promptTokens, completionTokens, latencyMs, ttftMs: latencyMs });
    if (cacheId) this.cache.set(cacheId, { kind: "json", body: text, promptTokens, completionTokens });
    return new Response(text, { status: 200, headers: { ...headers, "content-type": "application/json" } });
  }

  /**
   * Anthropic's count_tokens: answered by the first Anthropic provider among the model's targets
   * (with the target's model name), else estimated (`x-pier-token-count: estimate`). Free at the
   * providers, so it is not logged, limited or charged; the key and its allowed models still apply.
   */
  async countTokens(key: KeyRow, request: Request): Promise<Response> {
    const body = (await this.readJson(request, "messages", countTokensRequestSchema)) as CountTokensRequest;
    if (!isModelAllowed(body.model, key.allowedModels)) throw new ModelNotAllowedError(body.model);
    const targets = resolveTargets(body.model, this.catalog.aliases, new Set(this.catalog.providers.keys()));
    for (const target of targets) {
      const provider = this.catalog.providers.get(target.provider);
      if (provider?.kind !== "anthropic") continue;
      const call = buildUpstreamCall(
        provider,
        "messages",
        body,
        target.model,
        undefined,
        passHeaders("messages", request.headers),
      );
      const signal = AbortSignal.any([request.signal, AbortSignal.timeout(this.catalog.settings.timeoutMs)]);
      try {
        const upstream = await this.fetch(call.url.replace(/\/messages$/, "/messages/count_tokens"), {
          method: "POST",
          headers: call.headers,
          body: call.body,
          signal,
        });
        if (upstream.ok || !isRetriableStatus(upstream.status))
          return new Response(await upstream.text(), {
            status: upstream.status,
            headers: { "content-type": "application/json", "x-pier-provider": target.provider },
          });
      } catch {
        // Unreachable or too slow: the next Anthropic target, else the estimate.
      }
    }
    return Response.json(
      { input_tokens: estimateInputTokens(body) },
      { headers: { "x-pier-token-count": "estimate" } },
    );
  }

  /** Resolves once every usage row started so far is written (tests, shutdown). */
  async idle(): Promise<void> {
    for (let i = 0; i < 10 && this.pending.size > 0; i++) await Promise.allSettled([...this.pending]);
  }

  clearCache(): void {
    this.cache.clear();
  }

  async spentThisMonth(keyId: string): Promise<number> {
    const month = monthStart(this.now()).getTime();
    const known = this.spend.get(keyId);
    if (known && known.month === month) return known.usd;
    const usd = await this.deps.store.usage.costSince(keyId, new Date(month));
    this.spend.set(keyId, { month, usd });
    return usd;
  }

  /** What a key used against its limits: spend this calendar month, requests and tokens in the last minute. */
  async keyUsage(
    keyId: string,
  ): Promise<{ monthUsd: number; lastMinute: { requests: number; tokens: number } }> {
    const { requests, tokens } = this.windows.get(keyId)?.totals(this.now()) ?? { requests: 0, tokens: 0 };
    return { monthUsd: await this.spentThisMonth(keyId), lastMinute: { requests, tokens } };
  }

  private async checkBudget(key: KeyRow): Promise<void> {
    if (key.monthlyBudgetUsd == null) return;
    if ((await this.spentThisMonth(key.id)) >= key.monthlyBudgetUsd)
      throw new BudgetExceededError(key.monthlyBudgetUsd);
  }

  private windowFor(keyId: string): MinuteWindow {
    let window = this.windows.get(keyId);
    if (!window) {
      window = new MinuteWindow();
      this.windows.set(keyId, window);
    }
    return window;
  }

  private async readJson(
    request: Request,
    endpoint: Endpoint,
    schema: z.ZodType<{ model: string }> = bodySchemas[endpoint],
  ): Promise<Record<string, unknown> & { model: string; stream?: boolean }> {
    const tooLarge = () =>
      new PierError("payload_too_large", `AI requests are limited to ${maxBodyBytes} bytes.`, 413);
    if (Number(request.headers.get("content-length") ?? 0) > maxBodyBytes) throw tooLarge();
    // A chunked body declares no length: its size is checked once read, or it went to the provider.
    const bytes = await request.arrayBuffer();
    if (bytes.byteLength > maxBodyBytes) throw tooLarge();
    let raw: unknown;
    try {
      raw = JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      throw new ValidationError("Request body must be JSON, as the OpenAI API expects.");
    }
    const parsed = schema.safeParse(raw);
    if (!parsed.success)
      throw new ValidationError(
        parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; "),
      );
    return parsed.data as Record<string, unknown> & { model: string; stream?: boolean };
  }

  private replay(hit: CachedResponse, base: NewUsage, startedAt: number, stream: boolean): Response {
    const latencyMs = this.now() - startedAt;
    this.record({
      ...base,
      status: 200,
      cached: true,
      promptTokens: hit.promptTokens,
      completionTokens: hit.completionTokens,
      latencyMs,
      ttftMs: latencyMs,
      attempts: 0,
    });
    const headers = { "x-pier-cache": "hit" };
    if (hit.kind === "json" || !stream) {
      return new Response(hit.kind === "json" ? hit.body : "", {
        headers: { ...headers, "content-type": "application/json" },
      });
    }
    return new Response(hit.events.join(""), {
      headers: { ...headers, "content-type": "text/event-stream", "cache-control": "no-cache" },
    });
  }

  /**
   * Logs a request no provider answered. A provider's own error answer is passed on as it is; pier's
   * account of the failure is thrown, for the routes to write in the client's API.
   */
  private failure(result: DispatchFailure, base: NewUsage, startedAt: number): Response {
    this.record({
      ...base,
      provider: result.target?.provider ?? null,
      model: result.target?.model ?? null,
      status: result.status,
      attempts: result.attempts,
      latencyMs: this.now() - startedAt,
      error: result.error.slice(0, 500),
    });
    const headers: Record<string, string> = { "x-pier-attempts": String(result.attempts) };
    if (result.retryAfter) headers["retry-after"] = result.retryAfter;
    if (!result.upstream) throw new UpstreamError(result.code, result.message, result.status, headers);
    return new Response(result.upstream.body, {
      status: result.status,
      headers: { ...headers, "content-type": result.upstream.contentType },
    });
  }

  /** Costs the request, feeds limits and budget in memory, then writes the row without making the client wait. */
  private record(row: NewUsage): void {
    const promptTokens = row.promptTokens ?? 0;
    const completionTokens = row.completionTokens ?? 0;
    const cost =
      row.cached || !row.provider || !row.model
        ? 0
        : costUsd(findPrice(row.provider, row.model, this.catalog.prices), promptTokens, completionTokens);
    if (row.keyId) {
      this.windowFor(row.keyId).add(this.now(), 0, promptTokens + completionTokens);
      const month = monthStart(this.now()).getTime();
      const known = this.spend.get(row.keyId);
      if (known && known.month === month) known.usd += cost;
    }
    this.track(this.deps.store.usage.insert({ ...row, costUsd: cost }), "AI usage row not written");
  }

  /** A write the answer does not wait for, awaited by idle() (tests, shutdown); a failure is logged. */
  private track(promise: Promise<unknown>, failure: string): void {
    const write = promise
      .catch((error) => this.deps.logger.warn(failure, { error }))
      .finally(() => this.pending.delete(write));
    this.pending.add(write);
  }
}
