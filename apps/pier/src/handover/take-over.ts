import { type Logger, pierVersion } from "@pier/core";
import type { RunningPier } from "../serve.ts";
import { steerConsoleHere } from "./console-steering.ts";
import type { PredecessorLink } from "./predecessor.ts";

/**
 * The successor's last steps once it serves: new console connections come here (steering), the
 * predecessor is told it is ready, and the primary role is taken as soon as the predecessor
 * releases it or is gone (then the lease of a dead process is taken over at once).
 */
export async function takeOver(options: {
  predecessor: PredecessorLink;
  pier: RunningPier;
  consolePort: number;
  startupMs: number;
  logger: Logger;
}): Promise<void> {
  const { predecessor, pier, logger } = options;
  const log = logger.child({ component: "handover" });
  const steering = await steerConsoleHere(options.consolePort);
  if (!steering)
    log.warn(
      "new console connections could not be steered to this process; the predecessor's console closes as it is",
    );
  predecessor.ready({ version: pierVersion, startupMs: options.startupMs });
  predecessor.onPrimaryReleased(() => {
    void pier.primary.compete();
  });
  predecessor.onGone(() => {
    log.info("the previous pier exited; this one serves alone", { previous: predecessor.predecessorPid });
    void pier.primary.compete();
    void steering?.release();
  });
}
