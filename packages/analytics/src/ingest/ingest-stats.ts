import { z } from "zod";

/**
 * Beacons counted since start, and the write queue behind them (`WriteQueueStats`): `refused` were
 * answered 503 (queue or storage full), `dropped` were answered by a proxy worker but found the
 * queue full, `failed` were in a batch the store refused for another reason than full storage.
 */
export const ingestStatsSchema = z.object({
  accepted: z.number(),
  bots: z.number(),
  invalid: z.number(),
  queued: z.number(),
  written: z.number(),
  dropped: z.number(),
  failed: z.number(),
  refused: z.number(),
  /** Storage was full at the last write: beacons are refused until one succeeds. */
  storageFull: z.boolean(),
  openVisits: z.number(),
});
export type IngestStats = z.infer<typeof ingestStatsSchema>;
