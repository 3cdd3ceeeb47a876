CREATE TABLE `cron_jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`app_id` text NOT NULL,
	`name` text NOT NULL,
	`definition` text NOT NULL,
	`last_scheduled_at` integer NOT NULL,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `cron_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`app_id` text NOT NULL,
	`job` text NOT NULL,
	`trigger` text NOT NULL,
	`status` text NOT NULL,
	`attempt` integer DEFAULT 1 NOT NULL,
	`scheduled_at` integer,
	`started_at` integer NOT NULL,
	`finished_at` integer,
	`duration_ms` integer,
	`exit_code` integer,
	`http_status` integer,
	`deployment_id` text,
	`output` text NOT NULL,
	`error` text
);
--> statement-breakpoint
CREATE INDEX `cron_runs_app_job_idx` ON `cron_runs` (`app_id`,`job`,`started_at`);