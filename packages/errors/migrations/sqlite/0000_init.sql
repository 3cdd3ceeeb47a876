CREATE TABLE `error_events` (
	`project_id` integer NOT NULL,
	`event_id` text NOT NULL,
	`issue_id` text NOT NULL,
	`received_at` integer NOT NULL,
	`level` text NOT NULL,
	`release` text,
	`environment` text,
	`payload` blob NOT NULL,
	PRIMARY KEY(`project_id`, `event_id`)
);
--> statement-breakpoint
CREATE INDEX `error_events_issue_idx` ON `error_events` (`issue_id`,`received_at`);--> statement-breakpoint
CREATE INDEX `error_events_received_idx` ON `error_events` (`received_at`);--> statement-breakpoint
CREATE TABLE `error_issue_tags` (
	`issue_id` text NOT NULL,
	`key` text NOT NULL,
	`value` text NOT NULL,
	`count` integer NOT NULL,
	`last_seen` integer NOT NULL,
	PRIMARY KEY(`issue_id`, `key`, `value`),
	FOREIGN KEY (`issue_id`) REFERENCES `error_issues`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `error_issue_tags_kv_idx` ON `error_issue_tags` (`key`,`value`);--> statement-breakpoint
CREATE TABLE `error_issue_users` (
	`issue_id` text NOT NULL,
	`user_key` text NOT NULL,
	PRIMARY KEY(`issue_id`, `user_key`),
	FOREIGN KEY (`issue_id`) REFERENCES `error_issues`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `error_issues` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` integer NOT NULL,
	`hash` text NOT NULL,
	`grouping_kind` text NOT NULL,
	`title` text NOT NULL,
	`culprit` text NOT NULL,
	`level` text NOT NULL,
	`platform` text NOT NULL,
	`status` text NOT NULL,
	`substatus` text,
	`resolved_in_release` text,
	`resolved_at` integer,
	`first_seen` integer NOT NULL,
	`last_seen` integer NOT NULL,
	`first_release` text,
	`last_release` text,
	`count` integer NOT NULL,
	`users_count` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `error_projects`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `error_issues_project_hash_idx` ON `error_issues` (`project_id`,`hash`);--> statement-breakpoint
CREATE INDEX `error_issues_project_last_seen_idx` ON `error_issues` (`project_id`,`last_seen`);--> statement-breakpoint
CREATE TABLE `error_projects` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`app_id` text,
	`public_key` text NOT NULL,
	`platform` text DEFAULT 'javascript' NOT NULL,
	`rate_limit_per_minute` integer DEFAULT 6000 NOT NULL,
	`webhook_url` text,
	`webhook_secret_sealed` text,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `error_projects_name_unique` ON `error_projects` (`name`);--> statement-breakpoint
CREATE UNIQUE INDEX `error_projects_app_id_unique` ON `error_projects` (`app_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `error_projects_public_key_unique` ON `error_projects` (`public_key`);--> statement-breakpoint
CREATE TABLE `error_releases` (
	`project_id` integer NOT NULL,
	`version` text NOT NULL,
	`first_seen` integer NOT NULL,
	PRIMARY KEY(`project_id`, `version`),
	FOREIGN KEY (`project_id`) REFERENCES `error_projects`(`id`) ON UPDATE no action ON DELETE cascade
);
