CREATE TABLE "error_events" (
	"project_id" integer NOT NULL,
	"event_id" text NOT NULL,
	"issue_id" text NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	"level" text NOT NULL,
	"release" text,
	"environment" text,
	"payload" "bytea" NOT NULL,
	CONSTRAINT "error_events_project_id_event_id_pk" PRIMARY KEY("project_id","event_id")
);
--> statement-breakpoint
CREATE TABLE "error_issue_tags" (
	"issue_id" text NOT NULL,
	"key" text NOT NULL,
	"value" text NOT NULL,
	"count" integer NOT NULL,
	"last_seen" timestamp with time zone NOT NULL,
	CONSTRAINT "error_issue_tags_issue_id_key_value_pk" PRIMARY KEY("issue_id","key","value")
);
--> statement-breakpoint
CREATE TABLE "error_issue_users" (
	"issue_id" text NOT NULL,
	"user_key" text NOT NULL,
	CONSTRAINT "error_issue_users_issue_id_user_key_pk" PRIMARY KEY("issue_id","user_key")
);
--> statement-breakpoint
CREATE TABLE "error_issues" (
	"id" text PRIMARY KEY NOT NULL,
	"project_id" integer NOT NULL,
	"hash" text NOT NULL,
	"grouping_kind" text NOT NULL,
	"title" text NOT NULL,
	"culprit" text NOT NULL,
	"level" text NOT NULL,
	"platform" text NOT NULL,
	"status" text NOT NULL,
	"substatus" text,
	"resolved_in_release" text,
	"resolved_at" timestamp with time zone,
	"first_seen" timestamp with time zone NOT NULL,
	"last_seen" timestamp with time zone NOT NULL,
	"first_release" text,
	"last_release" text,
	"count" integer NOT NULL,
	"users_count" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "error_projects" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"app_id" text,
	"public_key" text NOT NULL,
	"platform" text DEFAULT 'javascript' NOT NULL,
	"rate_limit_per_minute" integer DEFAULT 6000 NOT NULL,
	"webhook_url" text,
	"webhook_secret_sealed" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "error_projects_name_unique" UNIQUE("name"),
	CONSTRAINT "error_projects_app_id_unique" UNIQUE("app_id"),
	CONSTRAINT "error_projects_public_key_unique" UNIQUE("public_key")
);
--> statement-breakpoint
CREATE TABLE "error_releases" (
	"project_id" integer NOT NULL,
	"version" text NOT NULL,
	"first_seen" timestamp with time zone NOT NULL,
	CONSTRAINT "error_releases_project_id_version_pk" PRIMARY KEY("project_id","version")
);
--> statement-breakpoint
ALTER TABLE "error_issue_tags" ADD CONSTRAINT "error_issue_tags_issue_id_error_issues_id_fk" FOREIGN KEY ("issue_id") REFERENCES "public"."error_issues"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "error_issue_users" ADD CONSTRAINT "error_issue_users_issue_id_error_issues_id_fk" FOREIGN KEY ("issue_id") REFERENCES "public"."error_issues"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "error_issues" ADD CONSTRAINT "error_issues_project_id_error_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."error_projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "error_releases" ADD CONSTRAINT "error_releases_project_id_error_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."error_projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "error_events_issue_idx" ON "error_events" USING btree ("issue_id","received_at");--> statement-breakpoint
CREATE INDEX "error_events_received_idx" ON "error_events" USING btree ("received_at");--> statement-breakpoint
CREATE INDEX "error_issue_tags_kv_idx" ON "error_issue_tags" USING btree ("key","value");--> statement-breakpoint
CREATE UNIQUE INDEX "error_issues_project_hash_idx" ON "error_issues" USING btree ("project_id","hash");--> statement-breakpoint
CREATE INDEX "error_issues_project_last_seen_idx" ON "error_issues" USING btree ("project_id","last_seen");