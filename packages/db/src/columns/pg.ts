import {
  customType,
  doublePrecision,
  jsonb,
  bigint as pgBigint,
  boolean as pgBoolean,
  timestamp as pgTimestamp,
  serial,
  text,
} from "drizzle-orm/pg-core";

// The PostgreSQL side of ./sqlite.ts: same names, same JS values, PostgreSQL types.

/** timestamptz (epoch milliseconds in SQLite); reads back as a Date either way. */
export const timestamp = (name: string) => pgTimestamp(name, { withTimezone: true, mode: "date" });

/** `created_at`, filled in by the database on insert. */
export const createdAt = () => timestamp("created_at").notNull().defaultNow();

/** A text primary key named `id`. */
export const id = () => text("id").primaryKey();

/** An integer primary key named `id` that the database numbers. */
export const serialId = () => serial("id").primaryKey();

/** jsonb (JSON text in SQLite). */
export const json = <T>(name: string) => jsonb(name).$type<T>();

export const boolean = (name: string) => pgBoolean(name);

/** bigint read as a JS number: the counters it holds stay far below 2^53. */
export const bigint = (name: string) => pgBigint(name, { mode: "number" });

export const double = (name: string) => doublePrecision(name);

// A driver may hand bytea back as a plain Uint8Array; the stores expect the Buffer SQLite gives.
const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => "bytea",
  fromDriver: (value) => (Buffer.isBuffer(value) ? value : Buffer.from(value)),
});

/** Bytes as a Buffer (a BLOB in SQLite). */
export const bytes = (name: string) => bytea(name);
