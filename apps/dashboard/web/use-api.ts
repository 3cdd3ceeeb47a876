import { useCallback, useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { errorMessage } from "./api.ts";

export interface Loaded<T> {
  data: T | undefined;
  error: string | null;
  loading: boolean;
  reload(): Promise<void>;
  /** Shows `value` as the latest data (one pushed by the server); a load in flight is dropped. */
  replace(value: T): void;
}

/**
 * Loads once, then every `pollMs` while the tab is visible; the last good data stays on screen
 * when a refresh fails, next to the error.
 */
export function useApi<T>(load: () => Promise<T>, deps: unknown[], pollMs = 0): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const generation = useRef(0);
  // Callers pass the inputs of `load` as deps, like useEffect.
  const reload = useCallback(async () => {
    const mine = ++generation.current;
    try {
      const value = await load();
      if (mine !== generation.current) return;
      setData(value);
      setError(null);
    } catch (e) {
      if (mine === generation.current) setError(errorMessage(e));
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, deps);
  // A layout effect starts the request right after the first render, not after the next paint.
  useLayoutEffect(() => {
    setLoading(true);
    setData(undefined);
    reload();
    if (!pollMs) return;
    const timer = setInterval(() => {
      if (document.visibilityState === "visible") reload();
    }, pollMs);
    return () => {
      clearInterval(timer);
      generation.current++;
    };
  }, [reload, pollMs]);
  const replace = useCallback((value: T) => {
    generation.current++;
    setData(value);
    setError(null);
    setLoading(false);
  }, []);
  return { data, error, loading, reload, replace };
}

/**
 * Reloads `queries` in place each time `signal` changes after the first render: a refresh after an
 * action (a check, an edit) keeps what is shown until the new data replaces it. Putting the signal
 * in useApi's deps instead would clear the data and show "loading" for the length of the request.
 */
export function useReloadOn(signal: unknown, ...queries: Pick<Loaded<unknown>, "reload">[]): void {
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    for (const query of queries) void query.reload();
  }, [signal]);
}
