import type { Loaded } from "./use-api.ts";

export interface ListView<T> {
  /** The one error to show: a failed write the user just made outranks a failed refresh. */
  error: string | null;
  /** Only before the first answer: a refresh keeps the last good data on screen instead. */
  loading: boolean;
  /** The data to render, or undefined when there is none yet or it is empty. */
  data: T | undefined;
  empty: boolean;
}

/** An array answer with no rows is empty; any other answer (a report, a summary) never is. */
export function isEmptyList(data: unknown): boolean {
  return Array.isArray(data) && data.length === 0;
}

/** Decides which parts of a loaded panel show; the error never hides data that is still good. */
export function listView<T>(
  query: Pick<Loaded<T>, "data" | "error" | "loading">,
  isEmpty: (data: T) => boolean = isEmptyList,
  extraError: string | null = null,
): ListView<T> {
  const error = extraError ?? query.error ?? null;
  if (query.data === undefined) return { error, loading: query.loading, data: undefined, empty: false };
  const empty = isEmpty(query.data);
  return { error, loading: false, data: empty ? undefined : query.data, empty };
}
