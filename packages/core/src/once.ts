/**
 * Runs `load` once, on the first call, and hands every caller the same result. A failed load is
 * not cached: the next call tries again (a subsystem that could not start must not stay broken).
 */
export function once<T>(load: () => Promise<T>): Once<T> {
  let pending: Promise<T> | undefined;
  const get = () => {
    pending ??= load().catch((error) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
  return Object.assign(get, { started: () => pending });
}

export interface Once<T> {
  (): Promise<T>;
  /** The load already asked for, if any: stopping must not load what never ran. */
  started(): Promise<T> | undefined;
}
