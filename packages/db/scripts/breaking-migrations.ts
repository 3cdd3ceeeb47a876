// Rule 3 of the upgrade hand-over (docs/architecture.md, "Upgrades"): the successor migrates the
// database while its predecessor still serves on it, so a migration may only grow the schema. This
// finds the statements the previous release could trip over — a table or column it reads gone or
// renamed, a type it no longer gets, a column its inserts leave out now required, SQLite's table
// rebuild — in what drizzle-kit writes (both dialects) and in hand-written SQL of the same shape.
// `migrations.ts --check` (make lint) refuses them unless the file is marked as a contract step.
import { splitStatements } from "../src/migrate.ts";

export type BreakingKind =
  | "drop-table"
  | "rename-table"
  | "rebuild-table"
  | "drop-column"
  | "rename-column"
  | "change-type"
  | "set-not-null"
  | "drop-default"
  | "add-required-column";

export interface BreakingChange {
  kind: BreakingKind;
  table: string;
  column?: string;
  /** 1-based position among the file's statements (one per drizzle-kit statement-breakpoint). */
  statement: number;
}

const ident = String.raw`(?:"[^"]+"|\x60[^\x60]+\x60|\[[^\]]+\]|[\w$]+)`;
const qualified = String.raw`(${ident}(?:\s*\.\s*${ident})?)`;
const dropTable = new RegExp(String.raw`^drop\s+table\s+(?:if\s+exists\s+)?${qualified}`, "i");
const createTable = new RegExp(String.raw`^create\s+table\s+(?:if\s+not\s+exists\s+)?${qualified}`, "i");
const alterTable = new RegExp(
  String.raw`^alter\s+table\s+(?:if\s+exists\s+)?(?:only\s+)?${qualified}\s+`,
  "i",
);
const renameTo = new RegExp(String.raw`^rename\s+to\s+${qualified}`, "i");
const renameColumn = new RegExp(String.raw`^rename\s+(?:column\s+)?(${ident})\s+to\s+`, "i");
const dropColumn = new RegExp(String.raw`^drop\s+(?:column\s+)?(?:if\s+exists\s+)?(${ident})`, "i");
const alterColumn = new RegExp(String.raw`^alter\s+(?:column\s+)?(${ident})\s+(.*)$`, "is");
const addColumn = new RegExp(
  String.raw`^add\s+(?:column\s+)?(?:if\s+not\s+exists\s+)?(${ident})\s+(.*)$`,
  "is",
);
/** Words after ADD/DROP/RENAME that name something other than a column. */
const notAColumn = /^(constraint|primary|foreign|unique|check|exclude|index|key)$/i;
/** drizzle-kit's SQLite rebuild: CREATE TABLE `__new_x`, copy, DROP TABLE `x`, RENAME `__new_x` TO `x`. */
const rebuildPrefix = "__new_";

/** Every statement of a migration the previous release could fail on, in file order. */
export function breakingChanges(sqlText: string): BreakingChange[] {
  const statements = splitStatements(withoutComments(sqlText)).flatMap((chunk) => topLevelParts(chunk, ";"));
  const rebuilt = new Set<string>();
  for (const statement of statements) {
    const table = createTable.exec(statement)?.[1];
    if (table && bareName(table).startsWith(rebuildPrefix))
      rebuilt.add(bareName(table).slice(rebuildPrefix.length));
  }
  const found: BreakingChange[] = [];
  statements.forEach((statement, index) => {
    const at = index + 1;
    const created = createTable.exec(statement)?.[1];
    if (created && bareName(created).startsWith(rebuildPrefix)) {
      found.push({
        kind: "rebuild-table",
        table: bareName(created).slice(rebuildPrefix.length),
        statement: at,
      });
      return;
    }
    const dropped = dropTable.exec(statement)?.[1];
    if (dropped) {
      // The rebuild's own DROP of the old copy is reported once, as the rebuild.
      if (!rebuilt.has(bareName(dropped)))
        found.push({ kind: "drop-table", table: bareName(dropped), statement: at });
      return;
    }
    const altered = alterTable.exec(statement);
    if (!altered?.[1]) return;
    const table = bareName(altered[1]);
    for (const action of topLevelParts(statement.slice(altered[0].length), ",")) {
      const change = breakingAction(table, action);
      if (change && !(change.kind === "rename-table" && table.startsWith(rebuildPrefix))) {
        found.push({ ...change, statement: at });
      }
    }
  });
  return found;
}

/** One action of an ALTER TABLE (PostgreSQL takes several, comma-separated). */
function breakingAction(table: string, action: string): Omit<BreakingChange, "statement"> | undefined {
  if (renameTo.test(action)) return { kind: "rename-table", table };
  const renamed = renameColumn.exec(action)?.[1];
  if (renamed && !notAColumn.test(renamed))
    return { kind: "rename-column", table, column: bareName(renamed) };
  const dropped = dropColumn.exec(action)?.[1];
  if (dropped && !notAColumn.test(dropped)) return { kind: "drop-column", table, column: bareName(dropped) };
  const alteredColumn = alterColumn.exec(action);
  if (alteredColumn?.[1] && alteredColumn[2] !== undefined) {
    const column = bareName(alteredColumn[1]);
    const what = alteredColumn[2];
    if (/^(set\s+data\s+)?type\b/i.test(what)) return { kind: "change-type", table, column };
    if (/^set\s+not\s+null\b/i.test(what)) return { kind: "set-not-null", table, column };
    if (/^drop\s+default\b/i.test(what)) return { kind: "drop-default", table, column };
    return undefined;
  }
  const added = addColumn.exec(action);
  if (added?.[1] && added[2] !== undefined && !notAColumn.test(added[1])) {
    const definition = added[2];
    // The previous release's inserts leave the new column out: it must take NULL or a default.
    const required = /\bnot\s+null\b/i.test(definition) || /\bprimary\s+key\b/i.test(definition);
    const defaulted = /\bdefault\b/i.test(definition) || /^(small|big)?serial\b/i.test(definition);
    if (required && !defaulted) return { kind: "add-required-column", table, column: bareName(added[1]) };
  }
  return undefined;
}

export interface ContractMarker {
  /** The release that shipped the expansion this migration completes. */
  expansionShippedIn: string;
}

const markerLine = /^\s*--\s*pier:\s*contract step\b(.*)$/im;
const markerVersion = /\bexpansion shipped in\s+v?(\d+\.\d+\.\d+(?:[-+][\w.+-]*)?)\b/i;

/**
 * The `-- pier: contract step, the expansion shipped in VERSION` comment that allows a migration to
 * drop or rename. `undefined` when absent; an error message when present without a version.
 */
export function contractMarker(sqlText: string): ContractMarker | string | undefined {
  const line = markerLine.exec(sqlText);
  if (!line) return undefined;
  const version = markerVersion.exec(line[1] ?? "")?.[1];
  if (!version) {
    return "its contract-step marker names no release: write `-- pier: contract step, the expansion shipped in X.Y.Z`";
  }
  return { expansionShippedIn: version };
}

const described: Record<BreakingKind, (change: BreakingChange) => string> = {
  "drop-table": (c) => `drops table ${c.table}`,
  "rename-table": (c) => `renames table ${c.table}`,
  "rebuild-table": (c) => `rebuilds table ${c.table} (drizzle's SQLite __new_${c.table} copy)`,
  "drop-column": (c) => `drops column ${c.table}.${c.column}`,
  "rename-column": (c) => `renames column ${c.table}.${c.column}`,
  "change-type": (c) => `changes the type of ${c.table}.${c.column}`,
  "set-not-null": (c) => `makes ${c.table}.${c.column} NOT NULL`,
  "drop-default": (c) => `drops the default of ${c.table}.${c.column}`,
  "add-required-column": (c) => `adds ${c.table}.${c.column} NOT NULL without a default`,
};

export function describeChange(change: BreakingChange): string {
  return `statement ${change.statement} ${described[change.kind](change)}`;
}

export interface MigrationFile {
  /** As shown to the developer, e.g. packages/db/migrations/sqlite/0003_x.sql. */
  path: string;
  sql: string;
}

/** One line per problem, `path: what`; empty when every migration only grows the schema. */
export function refusedMigrations(files: MigrationFile[]): string[] {
  const problems: string[] = [];
  for (const file of files) {
    const marker = contractMarker(file.sql);
    if (typeof marker === "string") {
      problems.push(`${file.path}: ${marker}`);
      continue;
    }
    if (marker) continue;
    for (const change of breakingChanges(file.sql)) problems.push(`${file.path}: ${describeChange(change)}`);
  }
  return problems;
}

export const twoReleasesAdvice = `A migration runs while the previous release still serves on the same database (the hand-over
of pier upgrade, docs/architecture.md "Upgrades"), so it may only add: tables, columns that are
nullable or have a default, indexes. Make the change in two releases (packages/db/README.md,
"Changing a column or table"): release N adds the new table or column, writes both and reads only
the new one; release N+1 drops or renames the old one, and that migration file begins with
  -- pier: contract step, the expansion shipped in N
where N is a version (X.Y.Z).`;

/** SQL without its -- and /* *\/ comments (outside quotes), so a commented-out DROP is not one. */
function withoutComments(sqlText: string): string {
  let out = "";
  let i = 0;
  while (i < sqlText.length) {
    const ch = sqlText[i] as string;
    if (ch === "'" || ch === '"' || ch === "`") {
      const end = sqlText.indexOf(ch, i + 1);
      const stop = end === -1 ? sqlText.length : end + 1;
      out += sqlText.slice(i, stop);
      i = stop;
    } else if (sqlText.startsWith("-->", i)) {
      // drizzle-kit's statement-breakpoint marker is a comment that splitStatements needs.
      const end = sqlText.indexOf("\n", i);
      const stop = end === -1 ? sqlText.length : end;
      out += sqlText.slice(i, stop);
      i = stop;
    } else if (sqlText.startsWith("--", i)) {
      const end = sqlText.indexOf("\n", i);
      i = end === -1 ? sqlText.length : end;
    } else if (sqlText.startsWith("/*", i)) {
      const end = sqlText.indexOf("*/", i + 2);
      i = end === -1 ? sqlText.length : end + 2;
      out += " ";
    } else {
      out += ch;
      i++;
    }
  }
  return out;
}

/** Splits on a separator outside parentheses and quotes. */
function topLevelParts(text: string, separator: "," | ";"): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '"' || ch === "`") quote = ch;
    else if (ch === "(") depth++;
    else if (ch === ")") depth--;
    else if (ch === separator && depth === 0) {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(text.slice(start).trim());
  return parts.filter((p) => p.length > 0);
}

/** `"public"."apps"` → `apps`: the name without its schema and quotes. */
function bareName(identifier: string): string {
  const last = identifier.split(/\s*\.\s*(?=["`[\w$])/).pop() ?? identifier;
  return last.replace(/^["`[]|["`\]]$/g, "");
}
