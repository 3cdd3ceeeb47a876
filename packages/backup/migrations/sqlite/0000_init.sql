CREATE TABLE `backup_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`trigger` text NOT NULL,
	`slot` text,
	`status` text NOT NULL,
	`target` text NOT NULL,
	`archive` text,
	`bytes` integer,
	`files` integer,
	`encrypted` integer DEFAULT false NOT NULL,
	`error` text,
	`warnings` text DEFAULT '[]' NOT NULL,
	`started_at` integer NOT NULL,
	`finished_at` integer,
	`heartbeat_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `backup_runs_slot_idx` ON `backup_runs` (`slot`);