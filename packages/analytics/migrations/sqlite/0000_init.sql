CREATE TABLE `analytics_settings` (
	`site` text PRIMARY KEY NOT NULL,
	`respect_dnt` integer NOT NULL,
	`auto_inject` integer NOT NULL,
	`updated_at` integer NOT NULL
);
