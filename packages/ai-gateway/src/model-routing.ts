import { PierError } from "@pier/core";

export interface Target {
  provider: string;
  model: string;
}

export class UnknownModelError extends PierError {
  constructor(model: string) {
    super(
      "model_not_found",
      `Model "${model}" is neither an alias nor provider/model for a configured provider; list them with GET /ai/v1/models.`,
      404,
    );
  }
}

export class ModelNotAllowedError extends PierError {
  constructor(model: string) {
    super(
      "model_not_allowed",
      `This key may not use model "${model}"; ask an operator to widen its allowedModels.`,
      403,
    );
  }
}

export function parseTarget(value: string): Target | undefined {
  const slash = value.indexOf("/");
  if (slash <= 0 || slash === value.length - 1) return undefined;
  return { provider: value.slice(0, slash), model: value.slice(slash + 1) };
}

/** An alias expands to its ordered fallbacks; `provider/model` is a single target. Aliases win. */
export function resolveTargets(
  requested: string,
  aliases: ReadonlyMap<string, readonly string[]>,
  providers: ReadonlySet<string>,
): Target[] {
  const alias = aliases.get(requested);
  if (alias) {
    const targets = alias.flatMap((t) => {
      const parsed = parseTarget(t);
      return parsed && providers.has(parsed.provider) ? [parsed] : [];
    });
    if (targets.length > 0) return targets;
    throw new UnknownModelError(requested);
  }
  const target = parseTarget(requested);
  if (target && providers.has(target.provider)) return [target];
  throw new UnknownModelError(requested);
}

/** Empty list allows everything; `openai/*` allows a provider; otherwise exact names (aliases or targets). */
export function isModelAllowed(requested: string, allowed: readonly string[]): boolean {
  if (allowed.length === 0) return true;
  return allowed.some((pattern) =>
    pattern.endsWith("*") ? requested.startsWith(pattern.slice(0, -1)) : pattern === requested,
  );
}
