/** Where an absolute request URL's path starts, without building a URL object per request. */
export function pathOf(url: string): string {
  const slash = url.indexOf("/", url.indexOf("//") + 2);
  if (slash === -1) return "/";
  const q = url.indexOf("?", slash);
  return q === -1 ? url.slice(slash) : url.slice(slash, q);
}

/**
 * A streaming answer (a deploy log, logs followed) may stay quiet longer than Bun.serve's idle
 * timeout (10 s) while a build runs: without this the server cut it and `pier deploy` failed
 * with ECONNRESET although the deploy went on. `server` is Hono's env on the console.
 */
export function keepOpen(server: unknown, request: Request): void {
  (server as { timeout?(request: Request, seconds: number): void } | undefined)?.timeout?.(request, 0);
}
