export {
  ConfigError,
  type ConfigSource,
  type ResolvedServeConfig,
  redactServeConfig,
  resolveServeConfig,
  type ServeConfig,
  serveConfigSchema,
} from "./serve-config.ts";
export { type ServeOption, type ServeOptionKey, serveOptions } from "./serve-options.ts";
