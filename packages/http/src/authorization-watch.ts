/** How often a stream or a WebSocket asks again whether its token or session is still good. */
export const recheckEveryMs = 15_000;

/**
 * Calls `ended` once the token or session that opened a long-lived exchange is no longer good
 * (logged out, revoked, expired), asking every `everyMs`; a failed lookup counts as still good, so
 * a database hiccup does not cut every open stream. Returns the function that stops asking.
 */
export function watchAuthorization(
  stillValid: (() => Promise<boolean>) | undefined,
  ended: () => void,
  everyMs = recheckEveryMs,
): () => void {
  if (!stillValid) return () => {};
  let stopped = false;
  const timer = setInterval(async () => {
    const valid = await stillValid().catch(() => true);
    if (valid || stopped) return;
    stop();
    ended();
  }, everyMs);
  const stop = () => {
    stopped = true;
    clearInterval(timer);
  };
  return stop;
}
