import { sql } from "drizzle-orm";
import { blob, integer, real, text } from "drizzle-orm/sqlite-core";

// The columns whose type differs between the two databases, once per dialect: ./pg.ts exports the
// same names with the PostgreSQL types. A package's schema/sqlite.ts and schema/pg.ts then differ
// only in these imports and sqliteTable/pgTable, and read back the same JS values on both.

/** Epoch milliseconds (timestamptz in PostgreSQL); reads back as a Date either way. */
export const timestamp = (name: string) => integer(name, { mode: "timestamp_ms" });

/** `created_at`, filled in by the database on insert. */
export const createdAt = () => timestamp("created_at").notNull().default(sql`(unixepoch() * 1000)`);

/** A text primary key named `id`. */
export const id = () => text("id").primaryKey();

/** An integer primary key named `id` that the database numbers. */
export const serialId = () => integer("id").primaryKey({ autoIncrement: true });

/** JSON text (jsonb in PostgreSQL), parsed on read. */
export const json = <T>(name: string) => text(name, { mode: "json" }).$type<T>();

/** 0/1 (boolean in PostgreSQL). */
export const boolean = (name: string) => integer(name, { mode: "boolean" });

/** SQLite's INTEGER is 64-bit already; PostgreSQL needs bigint for counters that outgrow 2^31. */
export const bigint = (name: string) => integer(name);

/** 8-byte float (double precision in PostgreSQL). */
export const double = (name: string) => real(name);

/** Bytes as a Buffer (bytea in PostgreSQL). */
export const bytes = (name: string) => blob(name, { mode: "buffer" });
