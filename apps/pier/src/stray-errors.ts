import type { Logger } from "@pier/core";

/**
 * An error no caller took (a rejected promise nobody awaited, a throw in a timer or an event
 * handler) would end the process by the runtime's default, and with it the proxy that carries
 * every app's traffic. `pier serve` logs it instead, at error level with its stack so it gets
 * reported and fixed, and keeps serving: the request or background task it came from has failed
 * on its own already. Returns a function that removes the handlers.
 */
export function keepServingOnStrayErrors(logger: Logger): () => void {
  const log = (kind: string) => (reason: unknown) => {
    const error = reason instanceof Error ? reason : new Error(String(reason));
    logger.error(`${kind}: pier keeps serving`, {
      error: error.message,
      name: error.name,
      stack: error.stack?.split("\n").slice(0, 12).join("\n"),
    });
  };
  const onRejection = log("unhandled promise rejection");
  const onException = log("uncaught exception");
  process.on("unhandledRejection", onRejection);
  process.on("uncaughtException", onException);
  return () => {
    process.off("unhandledRejection", onRejection);
    process.off("uncaughtException", onException);
  };
}
