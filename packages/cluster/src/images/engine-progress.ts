import type Docker from "dockerode";

/** What the Engine streams while it pushes, pulls or builds (one JSON object per line). */
export interface EngineProgressEvent {
  stream?: string;
  error?: string;
  aux?: { Digest?: string; Size?: number };
}

/**
 * Follows an Engine progress stream to its end; the first `error` an event carries fails it. With
 * `stallMs`, an Engine that reports nothing for that long is given up on (the stream is closed)
 * with a "timed out" error, which a push tries again (isTransientPushFailure): a registry that
 * stops answering mid-push otherwise holds the deploy, and the git push waiting on it, for ever.
 * Builds pass no `stallMs`: an emulated RUN step can be silent for minutes.
 */
export async function followEngineProgress(
  modem: Docker["modem"],
  stream: NodeJS.ReadableStream,
  onEvent: (event: EngineProgressEvent) => void,
  stallMs?: number,
): Promise<void> {
  let failure: string | null = null;
  await new Promise<void>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const arm = () => {
      if (stallMs === undefined) return;
      clearTimeout(timer);
      timer = setTimeout(() => {
        reject(new Error(`the Engine reported no progress for ${stallMs / 1000} s (timed out)`));
        (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
      }, stallMs);
    };
    arm();
    modem.followProgress(
      stream,
      (error: Error | null) => {
        clearTimeout(timer);
        if (error) reject(error);
        else resolve();
      },
      (event: EngineProgressEvent) => {
        arm();
        if (event.error) failure ??= event.error;
        onEvent(event);
      },
    );
  });
  if (failure) throw new Error(failure);
}
