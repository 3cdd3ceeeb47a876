ALTER TABLE "error_projects" ADD COLUMN "scrub_data" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "error_projects" ADD COLUMN "scrub_fields" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "error_projects" ADD COLUMN "scrub_ip" boolean DEFAULT false NOT NULL;