import { generateSecretToken, hashToken } from "@pier/auth";
import { ConflictError, NotFoundError, newId, ValidationError } from "@pier/core";
import type { SecretBox } from "@pier/secrets";
import type { Price } from "./prices.ts";
import type { ProviderConfig } from "./providers.ts";
import {
  type GatewaySettings,
  gatewaySettingsSchema,
  type KeyBody,
  type KeyPatch,
  type ProviderBody,
} from "./schemas.ts";
import type { AiStore, KeyRow } from "./store.ts";

const settingsKey = "gateway";

/**
 * Everything the request path reads, held in memory and rebuilt on every admin change, so a
 * request never waits on the database before it reaches the provider (usage is written after).
 */
export class Catalog {
  providers = new Map<string, ProviderConfig>();
  aliases = new Map<string, string[]>();
  prices = new Map<string, Price>();
  settings: GatewaySettings = gatewaySettingsSchema.parse({});
  private readonly keysByHash = new Map<string, KeyRow>();

  constructor(
    private readonly store: AiStore,
    private readonly secretBox: SecretBox,
  ) {}

  async load(): Promise<void> {
    const providers = new Map<string, ProviderConfig>();
    for (const row of await this.store.providers.list()) {
      providers.set(row.name, {
        id: row.id,
        name: row.name,
        kind: row.kind,
        baseUrl: row.baseUrl,
        apiKey: row.apiKeySealed ? await this.secretBox.decrypt(row.apiKeySealed) : undefined,
        models: row.models,
      });
    }
    this.providers = providers;
    this.aliases = new Map((await this.store.aliases.list()).map((a) => [a.name, a.targets]));
    this.prices = new Map(
      (await this.store.prices.list()).map((p) => [
        p.model,
        { inputPerMillion: p.inputPerMillion, outputPerMillion: p.outputPerMillion },
      ]),
    );
    this.settings = gatewaySettingsSchema.parse((await this.store.settings.get(settingsKey)) ?? {});
  }

  async putProvider(body: ProviderBody): Promise<void> {
    const existing = this.providers.get(body.name);
    await this.store.providers.upsert({
      id: existing?.id ?? newId("aip"),
      name: body.name,
      kind: body.kind,
      baseUrl: body.baseUrl ?? null,
      apiKeySealed: body.apiKey ? await this.secretBox.encrypt(body.apiKey) : null,
      models: body.models,
    });
    await this.load();
  }

  async deleteProvider(name: string): Promise<void> {
    if (!(await this.store.providers.delete(name))) throw new NotFoundError("AI provider", name);
    await this.load();
  }

  async putAlias(name: string, targets: string[]): Promise<void> {
    if (name.includes("/") && this.providers.has(name.split("/")[0]!))
      throw new ConflictError(
        `Alias "${name}" would hide the provider/model of the same name; pick another name.`,
      );
    // An alias is only checked against providers when it is saved: one whose provider is removed
    // later answers 404 at request time, like any model nobody serves.
    const unknown = targets.filter((t) => !this.providers.has(t.split("/")[0]!));
    if (unknown.length > 0)
      throw new ValidationError(
        `No AI provider named ${unknown.map((t) => `"${t.split("/")[0]}"`).join(", ")} (in ${unknown.join(", ")}); ` +
          "add it first with `pier ai provider NAME --kind KIND`, or list them with `pier ai providers`.",
      );
    await this.store.aliases.upsert(name, targets);
    await this.load();
  }

  async deleteAlias(name: string): Promise<void> {
    if (!(await this.store.aliases.delete(name))) throw new NotFoundError("Model alias", name);
    await this.load();
  }

  async putPrice(model: string, price: Price): Promise<void> {
    await this.store.prices.upsert(model, price.inputPerMillion, price.outputPerMillion);
    await this.load();
  }

  async deletePrice(model: string): Promise<void> {
    if (!(await this.store.prices.delete(model))) throw new NotFoundError("Price override", model);
    await this.load();
  }

  async patchSettings(patch: Partial<GatewaySettings>): Promise<GatewaySettings> {
    const next = gatewaySettingsSchema.parse({ ...this.settings, ...patch });
    await this.store.settings.set(settingsKey, next);
    this.settings = next;
    return next;
  }

  /** Returns the only copy of the secret: the database keeps its hash (and, for deploy keys, a sealed copy). */
  async createKey(
    body: KeyBody & { appId: string | null; sealForDeploys?: boolean },
  ): Promise<{ key: string; row: KeyRow }> {
    const key = generateSecretToken("pier_ai");
    const row = await this.store.keys.create({
      id: newId("aik"),
      name: body.name,
      keyHash: hashToken(key),
      hint: `pier_ai_…${key.slice(-4)}`,
      appId: body.appId,
      keySealed: body.sealForDeploys ? await this.secretBox.encrypt(key) : null,
      allowedModels: body.allowedModels,
      requestsPerMinute: body.requestsPerMinute ?? null,
      tokensPerMinute: body.tokensPerMinute ?? null,
      monthlyBudgetUsd: body.monthlyBudgetUsd ?? null,
    });
    return { key, row };
  }

  async updateKey(id: string, patch: KeyPatch): Promise<KeyRow> {
    const row = await this.store.keys.update(id, patch);
    if (!row) throw new NotFoundError("Active AI key", id);
    // The request path holds key rows in memory; the next request reloads this one.
    this.keysByHash.delete(row.keyHash);
    return row;
  }

  async revokeKey(id: string): Promise<KeyRow> {
    const row = await this.store.keys.revoke(id);
    if (!row) throw new NotFoundError("Active AI key", id);
    this.keysByHash.delete(row.keyHash);
    return row;
  }

  /** The key a deployment of this app gets; created on first deploy, reused afterwards. */
  async deployKey(appId: string, appName: string): Promise<string> {
    const existing = await this.store.keys.findDeployKey(appId);
    if (existing?.keySealed) return this.secretBox.decrypt(existing.keySealed);
    const { key } = await this.createKey({
      name: `deploy:${appName}`,
      appId,
      allowedModels: [],
      sealForDeploys: true,
    });
    return key;
  }

  /** Known keys are answered from memory (revokeKey drops them), so auth costs one hash per request. */
  async findKey(secret: string): Promise<KeyRow | undefined> {
    const hash = hashToken(secret);
    const cached = this.keysByHash.get(hash);
    if (cached) return cached;
    const row = await this.store.keys.findActiveByHash(hash);
    if (row) this.keysByHash.set(hash, row);
    return row;
  }
}
