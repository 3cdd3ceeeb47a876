import { getTableColumns, getTableName, type Table } from "drizzle-orm";

/**
 * Tables, column names and nullability of a drizzle schema module. Stores are typed against a
 * package's sqlite.ts and run unchanged on its pg.ts mirror; parity tests compare the two shapes.
 */
export function schemaShape(schema: Record<string, unknown>) {
  return Object.fromEntries(
    Object.entries(schema)
      .filter(([, table]) => isTable(table))
      .map(([key, table]) => [
        key,
        {
          name: getTableName(table as Table),
          columns: Object.fromEntries(
            Object.entries(getTableColumns(table as Table)).map(([k, c]) => [k, [c.name, c.notNull]]),
          ),
        },
      ]),
  );
}

function isTable(value: unknown): boolean {
  try {
    getTableName(value as Table);
    return typeof value === "object" && value !== null;
  } catch {
    return false;
  }
}
