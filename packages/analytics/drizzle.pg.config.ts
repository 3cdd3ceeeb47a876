import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./src/settings/schema/pg.ts",
  out: "./migrations/pg",
});
