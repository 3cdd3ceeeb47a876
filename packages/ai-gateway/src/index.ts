export { AiGateway, BudgetExceededError, type GatewayDeps } from "./gateway.ts";
export { type AppDirectory, adminRoutes } from "./http/admin-routes.ts";
export { openAiRoutes } from "./http/openai-routes.ts";
export { pgMigrations, sqliteMigrations } from "./migrations.gen.ts";
export { builtinPrices, costUsd, findPrice, type Price } from "./prices.ts";
export { type GatewaySettings, gatewaySettingsSchema } from "./schemas.ts";
export { type AiStore, createAiStore } from "./store.ts";
export type { SpendBucket, UsageLog, UsageRow } from "./usage-log.ts";
export { createClickHouseUsageLog } from "./usage-log-clickhouse.ts";
