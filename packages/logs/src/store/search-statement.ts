import { levelRank } from "../level.ts";
import { type LogQuery, likePattern, trigramPhrase } from "./log-query.ts";

export interface SearchStatement {
  sql: string;
  args: (string | number)[];
}

/**
 * The SELECT for a search: newest first (up to `limit`), or with `afterId` the oldest lines
 * stored after it, ordered by id. `lowestId`, when given, is an id no matching line is below
 * (found from `since` by the store); it only narrows the walk, `since` is still checked per line.
 *
 * A text search reads the FTS5 index in rowid order and stops at the limit: ordering by
 * `f.rowid` (not `l.id`) lets FTS5 hand rows over in that order without a sort, and id bounds on
 * `f.rowid` start and end its walk inside the doclists. CROSS JOIN keeps the index outermost:
 * given the choice, SQLite walks the app's lines (by id or by ts) and asks the index about each,
 * which takes seconds on a common text (docs/performance.md, Logs).
 */
export function searchStatement(q: LogQuery, lowestId?: number): SearchStatement {
  const where: string[] = ["l.app = ?"];
  const args: (string | number)[] = [q.app];
  let from = "log_lines l";
  let id = "l.id";
  const add = (clause: string, ...values: (string | number)[]) => {
    where.push(clause);
    args.push(...values);
  };
  if (q.grep) {
    const phrase = trigramPhrase(q.grep);
    if (phrase) {
      from = "log_text f CROSS JOIN log_lines l ON l.id = f.rowid";
      id = "f.rowid";
      where.unshift("log_text MATCH ?");
      args.unshift(phrase);
    } else add("l.line LIKE ? ESCAPE '\\'", likePattern(q.grep));
  }
  if (q.env !== undefined) add("l.env = ?", q.env);
  if (q.release !== undefined) add("l.release = ?", q.release);
  if (q.replica !== undefined) add("l.replica = ?", q.replica);
  if (q.stream !== undefined) add("l.stream = ?", q.stream);
  if (q.level !== undefined) add("l.level >= ?", levelRank(q.level));
  if (q.since !== undefined) add("l.ts >= ?", q.since);
  if (q.until !== undefined) add("l.ts < ?", q.until);
  if (q.afterId !== undefined) add(`${id} > ?`, q.afterId);
  if (q.beforeId !== undefined) add(`${id} < ?`, q.beforeId);
  if (lowestId !== undefined) add(`${id} >= ?`, lowestId);
  const order = q.afterId !== undefined ? "ASC" : "DESC";
  return {
    sql: `SELECT l.* FROM ${from} WHERE ${where.join(" AND ")} ORDER BY ${id} ${order} LIMIT ?`,
    args: [...args, q.limit],
  };
}
