CREATE TABLE `error_replay_segments` (
	`project_id` integer NOT NULL,
	`replay_id` text NOT NULL,
	`segment_id` integer NOT NULL,
	`received_at` integer NOT NULL,
	`encoding` text NOT NULL,
	`payload` blob NOT NULL,
	PRIMARY KEY(`project_id`, `replay_id`, `segment_id`),
	FOREIGN KEY (`project_id`,`replay_id`) REFERENCES `error_replays`(`project_id`,`replay_id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `error_replays` (
	`project_id` integer NOT NULL,
	`replay_id` text NOT NULL,
	`started_at` integer NOT NULL,
	`ended_at` integer NOT NULL,
	`last_received_at` integer NOT NULL,
	`replay_type` text NOT NULL,
	`segments` integer NOT NULL,
	`bytes` integer NOT NULL,
	`truncated` integer DEFAULT false NOT NULL,
	`release` text,
	`environment` text,
	`platform` text NOT NULL,
	`user_label` text,
	`browser` text,
	`os` text,
	`urls` text DEFAULT '[]' NOT NULL,
	`error_ids` text DEFAULT '[]' NOT NULL,
	`trace_ids` text DEFAULT '[]' NOT NULL,
	PRIMARY KEY(`project_id`, `replay_id`),
	FOREIGN KEY (`project_id`) REFERENCES `error_projects`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `error_replays_project_started_idx` ON `error_replays` (`project_id`,`started_at`);--> statement-breakpoint
CREATE INDEX `error_replays_received_idx` ON `error_replays` (`last_received_at`);