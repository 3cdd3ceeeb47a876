CREATE TABLE "uptime_checks" (
	"monitor_id" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"ok" boolean NOT NULL,
	"latency_ms" integer NOT NULL,
	"status" integer,
	"error" text,
	CONSTRAINT "uptime_checks_monitor_id_at_pk" PRIMARY KEY("monitor_id","at")
);
--> statement-breakpoint
CREATE TABLE "uptime_daily" (
	"monitor_id" text NOT NULL,
	"day" text NOT NULL,
	"checks" integer NOT NULL,
	"failures" integer NOT NULL,
	CONSTRAINT "uptime_daily_monitor_id_day_pk" PRIMARY KEY("monitor_id","day")
);
--> statement-breakpoint
CREATE TABLE "uptime_incidents" (
	"id" text PRIMARY KEY NOT NULL,
	"monitor_id" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"resolved_at" timestamp with time zone,
	"reason" text NOT NULL,
	"last_reason" text NOT NULL,
	"failed_checks" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "uptime_monitors" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"target" text NOT NULL,
	"app_id" text,
	"auto" boolean DEFAULT false NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"interval_seconds" integer NOT NULL,
	"timeout_ms" integer NOT NULL,
	"retries" integer NOT NULL,
	"http_options" jsonb NOT NULL,
	"headers_sealed" text,
	"status" text DEFAULT 'unknown' NOT NULL,
	"consecutive_failures" integer DEFAULT 0 NOT NULL,
	"open_incident_id" text,
	"last_check_at" timestamp with time zone,
	"last_latency_ms" integer,
	"last_error" text,
	"tls_expires_at" timestamp with time zone,
	"tls_checked_at" timestamp with time zone,
	"tls_warned_for" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "uptime_monitors_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "uptime_status_pages" (
	"id" text PRIMARY KEY NOT NULL,
	"slug" text NOT NULL,
	"title" text NOT NULL,
	"description" text,
	"host" text,
	"app_id" text,
	"monitor_ids" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "uptime_status_pages_slug_unique" UNIQUE("slug"),
	CONSTRAINT "uptime_status_pages_host_unique" UNIQUE("host")
);
--> statement-breakpoint
ALTER TABLE "uptime_incidents" ADD CONSTRAINT "uptime_incidents_monitor_id_uptime_monitors_id_fk" FOREIGN KEY ("monitor_id") REFERENCES "public"."uptime_monitors"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "uptime_incidents_monitor_idx" ON "uptime_incidents" USING btree ("monitor_id","started_at");