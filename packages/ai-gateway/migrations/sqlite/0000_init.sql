CREATE TABLE `ai_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`key_hash` text NOT NULL,
	`hint` text NOT NULL,
	`app_id` text,
	`key_sealed` text,
	`allowed_models` text DEFAULT '[]' NOT NULL,
	`requests_per_minute` integer,
	`tokens_per_minute` integer,
	`monthly_budget_usd` real,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	`revoked_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ai_keys_key_hash_unique` ON `ai_keys` (`key_hash`);--> statement-breakpoint
CREATE INDEX `ai_keys_app_idx` ON `ai_keys` (`app_id`);--> statement-breakpoint
CREATE TABLE `ai_model_aliases` (
	`name` text PRIMARY KEY NOT NULL,
	`targets` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `ai_prices` (
	`model` text PRIMARY KEY NOT NULL,
	`input_per_million` real NOT NULL,
	`output_per_million` real NOT NULL,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `ai_providers` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`base_url` text,
	`api_key_sealed` text,
	`models` text DEFAULT '[]' NOT NULL,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ai_providers_name_unique` ON `ai_providers` (`name`);--> statement-breakpoint
CREATE TABLE `ai_settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `ai_usage` (
	`id` text PRIMARY KEY NOT NULL,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	`app_id` text,
	`key_id` text,
	`endpoint` text NOT NULL,
	`requested_model` text NOT NULL,
	`provider` text,
	`model` text,
	`prompt_tokens` integer DEFAULT 0 NOT NULL,
	`completion_tokens` integer DEFAULT 0 NOT NULL,
	`latency_ms` integer NOT NULL,
	`ttft_ms` integer,
	`status` integer NOT NULL,
	`cost_usd` real DEFAULT 0 NOT NULL,
	`cached` integer DEFAULT false NOT NULL,
	`stream` integer DEFAULT false NOT NULL,
	`attempts` integer DEFAULT 1 NOT NULL,
	`error` text
);
--> statement-breakpoint
CREATE INDEX `ai_usage_created_idx` ON `ai_usage` (`created_at`);--> statement-breakpoint
CREATE INDEX `ai_usage_key_idx` ON `ai_usage` (`key_id`,`created_at`);