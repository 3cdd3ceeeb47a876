CREATE TABLE "analytics_settings" (
	"site" text PRIMARY KEY NOT NULL,
	"respect_dnt" boolean NOT NULL,
	"auto_inject" boolean NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
