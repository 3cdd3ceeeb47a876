ALTER TABLE `error_projects` ADD `scrub_data` integer DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE `error_projects` ADD `scrub_fields` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `error_projects` ADD `scrub_ip` integer DEFAULT false NOT NULL;