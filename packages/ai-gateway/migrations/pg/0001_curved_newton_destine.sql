CREATE TABLE "ai_conversations" (
	"scope" text NOT NULL,
	"response_id" text NOT NULL,
	"messages" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ai_conversations_scope_response_id_pk" PRIMARY KEY("scope","response_id")
);
--> statement-breakpoint
CREATE INDEX "ai_conversations_created_idx" ON "ai_conversations" USING btree ("created_at");