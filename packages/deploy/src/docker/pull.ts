import type Docker from "dockerode";
import { ImageBuildError } from "../errors.ts";

/**
 * Makes sure a prebuilt image is on this Engine: used as is when present (machines without a
 * registry tag images locally), pulled otherwise. Returns the image id.
 */
export async function ensureImage(
  docker: Docker,
  ref: string,
  onLog: (line: string) => void = () => {},
): Promise<string> {
  try {
    return (await docker.getImage(ref).inspect()).Id;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode !== 404) throw error;
  }
  onLog(`Pulling ${ref}`);
  try {
    const stream = await docker.pull(ref);
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(
        stream,
        (error) => (error ? reject(error) : resolve()),
        (event: { status?: string; id?: string; error?: string }) => {
          if (event.error) reject(new Error(event.error));
          else if (
            event.status &&
            !event.status.startsWith("Downloading") &&
            !event.status.startsWith("Extracting")
          )
            onLog(`${event.id ? `${event.id}: ` : ""}${event.status}`);
        },
      );
    });
  } catch (error) {
    throw new ImageBuildError(
      `Image ${ref} is not on this machine and could not be pulled: ${(error as Error).message}`,
      [],
    );
  }
  return (await docker.getImage(ref).inspect()).Id;
}
