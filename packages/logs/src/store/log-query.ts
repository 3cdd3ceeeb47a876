import type { Level } from "../level.ts";
import type { LogSource } from "../log-record.ts";

/** What a search asks for. Every field but `app` narrows it; `grep` is a case-insensitive substring. */
export interface LogQuery {
  app: string;
  env?: string;
  release?: string;
  replica?: string;
  stream?: LogSource;
  /** This level and more severe ones. */
  level?: Level;
  grep?: string;
  /** Epoch ms, inclusive. */
  since?: number;
  /** Epoch ms, exclusive. */
  until?: number;
  /** Only lines stored after this id (follow), oldest first. */
  afterId?: number;
  /** Only lines stored before this id (paging back), newest first. */
  beforeId?: number;
  limit: number;
}

/**
 * An FTS5 trigram MATCH for a substring: the whole text as one quoted phrase (quotes doubled), so
 * no character of it is read as query syntax. Null below three characters, which a trigram index
 * cannot answer (those go through LIKE).
 */
export function trigramPhrase(grep: string): string | null {
  if ([...grep].length < 3) return null;
  return `"${grep.replaceAll('"', '""')}"`;
}

/** A LIKE pattern for a substring, with `\` as the escape character. */
export function likePattern(grep: string): string {
  return `%${grep.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
