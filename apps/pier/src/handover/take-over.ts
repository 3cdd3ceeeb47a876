import { type Logger, pierVersion } from "@pier/core";
import type { RunningPier } from "../serve.ts";
import { steerConsoleHere } from "./console-steering.ts";
import type { PredecessorLink } from "./predecessor.ts";

/**
 * The successor's last steps once it serves: new console connections come here (steering), the
 * predecessor is told it is ready, and the primary role is taken once the predecessor is gone
 * (it released the lease first; a predecessor that died holding it is recognised as dead).
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
  // The role is taken once the predecessor has exited, not when it released it: its drain may
  // still be finishing work (a backup, a deploy's last step) that repairs after a restart would
  // take for abandoned.
  predecessor.onPrimaryReleased(() => {
    log.info("the previous pier stopped its schedulers; they start here once it has exited");
  });
  predecessor.onGone(() => {
    log.info("the previous pier exited; this one serves alone", { previous: predecessor.predecessorPid });
    void pier.primary.compete();
    void steering?.release();
  });
}
