CREATE TABLE `ai_conversations` (
	`scope` text NOT NULL,
	`response_id` text NOT NULL,
	`messages` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	PRIMARY KEY(`scope`, `response_id`)
);
--> statement-breakpoint
CREATE INDEX `ai_conversations_created_idx` ON `ai_conversations` (`created_at`);