import { z } from "zod";
import { type ServeOption, type ServeOptionKey, serveOptions } from "./serve-options.ts";

const shape = Object.fromEntries(
  Object.entries(serveOptions).map(([key, option]) => [key, option.schema]),
) as {
  [K in ServeOptionKey]: (typeof serveOptions)[K]["schema"];
};

export const serveConfigSchema = z.object(shape);
export type ServeConfig = z.infer<typeof serveConfigSchema>;

export type ConfigSource = "flag" | "env" | "default";

export class ConfigError extends Error {
  readonly code = "invalid_config";
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

export interface ResolvedServeConfig {
  config: ServeConfig;
  sources: Record<ServeOptionKey, ConfigSource>;
}

/**
 * Flags beat `PIER_*` environment variables, which beat defaults. Pure: the caller hands in the
 * parsed flags and the environment, so precedence is tested without touching the process.
 */
export function resolveServeConfig(
  flags: Partial<Record<string, string | boolean>>,
  env: Record<string, string | undefined>,
): ResolvedServeConfig {
  const raw: Record<string, unknown> = {};
  const sources = {} as Record<ServeOptionKey, ConfigSource>;
  for (const [key, option] of Object.entries(serveOptions) as [ServeOptionKey, ServeOption][]) {
    const fromFlag = flags[option.flag];
    const fromEnv = env[option.env];
    if (fromFlag !== undefined) {
      raw[key] = fromFlag;
      sources[key] = "flag";
    } else if (fromEnv !== undefined && fromEnv !== "") {
      raw[key] = fromEnv;
      sources[key] = "env";
    } else {
      raw[key] = option.defaultValue();
      sources[key] = "default";
    }
  }
  const parsed = serveConfigSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const key = issue.path[0] as ServeOptionKey;
        const option: ServeOption = serveOptions[key];
        const origin = sources[key] === "env" ? option.env : `--${option.flag}`;
        return `${origin}: ${issue.message} (got ${JSON.stringify(raw[key])})`;
      }),
    );
  }
  const clash = portClash(parsed.data);
  if (clash) {
    const [a, b] = clash.map((key) =>
      sources[key] === "env" ? serveOptions[key].env : `--${serveOptions[key].flag}`,
    );
    throw new ConfigError([
      `${a} and ${b} are both ${parsed.data[clash[0]]}: each listener needs its own port, choose another for one of them`,
    ]);
  }
  return { config: parsed.data, sources };
}

type PortKey = "consolePort" | "httpPort" | "httpsPort";

/**
 * Two of pier's listeners on one port: every listener binds with SO_REUSEPORT, so the kernel would
 * spread connections between them instead of refusing the second bind. The proxy's ports count
 * only when the proxy runs (port 0: the system picks a free port for each).
 */
export function portClash(config: ServeConfig): [PortKey, PortKey] | null {
  const keys: PortKey[] =
    config.proxyWorkers > 0 ? ["consolePort", "httpPort", "httpsPort"] : ["consolePort"];
  for (let i = 0; i < keys.length; i++) {
    for (let j = i + 1; j < keys.length; j++) {
      const port = config[keys[i]!];
      if (port !== 0 && port === config[keys[j]!]) return [keys[i]!, keys[j]!];
    }
  }
  return null;
}

/** Hides passwords and tokens so the effective config can be printed and logged safely. */
export function redactServeConfig(config: ServeConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    const option: ServeOption = serveOptions[key as ServeOptionKey];
    out[key] = option.secret && value !== undefined ? redactSecret(String(value)) : value;
  }
  return out;
}

function redactSecret(value: string): string {
  try {
    const url = new URL(value);
    if (url.protocol === "http:" || url.protocol === "https:" || url.protocol.startsWith("postgres")) {
      if (url.password) url.password = "***";
      return url.toString();
    }
  } catch {
    // not a URL: a bare token
  }
  return "***";
}
