CREATE TABLE "error_replay_segments" (
	"project_id" integer NOT NULL,
	"replay_id" text NOT NULL,
	"segment_id" integer NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	"encoding" text NOT NULL,
	"payload" "bytea" NOT NULL,
	CONSTRAINT "error_replay_segments_project_id_replay_id_segment_id_pk" PRIMARY KEY("project_id","replay_id","segment_id")
);
--> statement-breakpoint
CREATE TABLE "error_replays" (
	"project_id" integer NOT NULL,
	"replay_id" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"ended_at" timestamp with time zone NOT NULL,
	"last_received_at" timestamp with time zone NOT NULL,
	"replay_type" text NOT NULL,
	"segments" integer NOT NULL,
	"bytes" integer NOT NULL,
	"truncated" boolean DEFAULT false NOT NULL,
	"release" text,
	"environment" text,
	"platform" text NOT NULL,
	"user_label" text,
	"browser" text,
	"os" text,
	"urls" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"error_ids" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"trace_ids" jsonb DEFAULT '[]'::jsonb NOT NULL,
	CONSTRAINT "error_replays_project_id_replay_id_pk" PRIMARY KEY("project_id","replay_id")
);
--> statement-breakpoint
ALTER TABLE "error_replay_segments" ADD CONSTRAINT "error_replay_segments_project_id_replay_id_error_replays_project_id_replay_id_fk" FOREIGN KEY ("project_id","replay_id") REFERENCES "public"."error_replays"("project_id","replay_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "error_replays" ADD CONSTRAINT "error_replays_project_id_error_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."error_projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "error_replays_project_started_idx" ON "error_replays" USING btree ("project_id","started_at");--> statement-breakpoint
CREATE INDEX "error_replays_received_idx" ON "error_replays" USING btree ("last_received_at");