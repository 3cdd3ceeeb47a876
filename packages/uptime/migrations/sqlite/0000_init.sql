CREATE TABLE `uptime_checks` (
	`monitor_id` text NOT NULL,
	`at` integer NOT NULL,
	`ok` integer NOT NULL,
	`latency_ms` integer NOT NULL,
	`status` integer,
	`error` text,
	PRIMARY KEY(`monitor_id`, `at`)
);
--> statement-breakpoint
CREATE TABLE `uptime_daily` (
	`monitor_id` text NOT NULL,
	`day` text NOT NULL,
	`checks` integer NOT NULL,
	`failures` integer NOT NULL,
	PRIMARY KEY(`monitor_id`, `day`)
);
--> statement-breakpoint
CREATE TABLE `uptime_incidents` (
	`id` text PRIMARY KEY NOT NULL,
	`monitor_id` text NOT NULL,
	`started_at` integer NOT NULL,
	`resolved_at` integer,
	`reason` text NOT NULL,
	`last_reason` text NOT NULL,
	`failed_checks` integer NOT NULL,
	FOREIGN KEY (`monitor_id`) REFERENCES `uptime_monitors`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `uptime_incidents_monitor_idx` ON `uptime_incidents` (`monitor_id`,`started_at`);--> statement-breakpoint
CREATE TABLE `uptime_monitors` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`target` text NOT NULL,
	`app_id` text,
	`auto` integer DEFAULT false NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`interval_seconds` integer NOT NULL,
	`timeout_ms` integer NOT NULL,
	`retries` integer NOT NULL,
	`http_options` text NOT NULL,
	`headers_sealed` text,
	`status` text DEFAULT 'unknown' NOT NULL,
	`consecutive_failures` integer DEFAULT 0 NOT NULL,
	`open_incident_id` text,
	`last_check_at` integer,
	`last_latency_ms` integer,
	`last_error` text,
	`tls_expires_at` integer,
	`tls_checked_at` integer,
	`tls_warned_for` integer,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `uptime_monitors_name_unique` ON `uptime_monitors` (`name`);--> statement-breakpoint
CREATE TABLE `uptime_status_pages` (
	`id` text PRIMARY KEY NOT NULL,
	`slug` text NOT NULL,
	`title` text NOT NULL,
	`description` text,
	`host` text,
	`app_id` text,
	`monitor_ids` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `uptime_status_pages_slug_unique` ON `uptime_status_pages` (`slug`);--> statement-breakpoint
CREATE UNIQUE INDEX `uptime_status_pages_host_unique` ON `uptime_status_pages` (`host`);