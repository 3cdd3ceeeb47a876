CREATE TABLE `service_backups` (
	`id` text PRIMARY KEY NOT NULL,
	`service_id` text,
	`service_name` text NOT NULL,
	`kind` text NOT NULL,
	`version` text NOT NULL,
	`source` text NOT NULL,
	`volume` text,
	`app_name` text,
	`format` text NOT NULL,
	`location` text NOT NULL,
	`status` text NOT NULL,
	`trigger` text NOT NULL,
	`size_bytes` integer,
	`raw_bytes` integer,
	`sha256` text,
	`encrypted` integer DEFAULT false NOT NULL,
	`key_sealed` text,
	`error` text,
	`started_at` integer NOT NULL,
	`finished_at` integer
);
--> statement-breakpoint
CREATE INDEX `service_backups_service` ON `service_backups` (`service_name`,`started_at`);--> statement-breakpoint
CREATE TABLE `service_links` (
	`id` text PRIMARY KEY NOT NULL,
	`service_id` text NOT NULL,
	`app_id` text NOT NULL,
	`app_name` text NOT NULL,
	`env_var` text NOT NULL,
	`previews` text DEFAULT '{}' NOT NULL,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `service_links_service_app` ON `service_links` (`service_id`,`app_id`);--> statement-breakpoint
CREATE INDEX `service_links_app` ON `service_links` (`app_id`);--> statement-breakpoint
CREATE TABLE `services` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`version` text NOT NULL,
	`image` text NOT NULL,
	`memory_bytes` integer,
	`credentials_sealed` text NOT NULL,
	`status` text DEFAULT 'running' NOT NULL,
	`backup_schedule` text,
	`backup_keep` integer DEFAULT 7 NOT NULL,
	`backup_target` text,
	`backup_encrypt` integer DEFAULT false NOT NULL,
	`last_error` text,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	`updated_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `services_name_unique` ON `services` (`name`);