CREATE TABLE "service_backups" (
	"id" text PRIMARY KEY NOT NULL,
	"service_id" text,
	"service_name" text NOT NULL,
	"kind" text NOT NULL,
	"version" text NOT NULL,
	"source" text NOT NULL,
	"volume" text,
	"app_name" text,
	"format" text NOT NULL,
	"location" text NOT NULL,
	"status" text NOT NULL,
	"trigger" text NOT NULL,
	"size_bytes" bigint,
	"raw_bytes" bigint,
	"sha256" text,
	"encrypted" boolean DEFAULT false NOT NULL,
	"key_sealed" text,
	"error" text,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "service_links" (
	"id" text PRIMARY KEY NOT NULL,
	"service_id" text NOT NULL,
	"app_id" text NOT NULL,
	"app_name" text NOT NULL,
	"env_var" text NOT NULL,
	"previews" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "services" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"version" text NOT NULL,
	"image" text NOT NULL,
	"memory_bytes" bigint,
	"credentials_sealed" text NOT NULL,
	"status" text DEFAULT 'running' NOT NULL,
	"backup_schedule" text,
	"backup_keep" integer DEFAULT 7 NOT NULL,
	"backup_target" text,
	"backup_encrypt" boolean DEFAULT false NOT NULL,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone,
	CONSTRAINT "services_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE INDEX "service_backups_service" ON "service_backups" USING btree ("service_name","started_at");--> statement-breakpoint
CREATE UNIQUE INDEX "service_links_service_app" ON "service_links" USING btree ("service_id","app_id");--> statement-breakpoint
CREATE INDEX "service_links_app" ON "service_links" USING btree ("app_id");