import { z } from "zod";

/** Beacons counted since start, and the write queue behind them (`WriteQueueStats`). */
export const ingestStatsSchema = z.object({
  accepted: z.number(),
  bots: z.number(),
  invalid: z.number(),
  queued: z.number(),
  written: z.number(),
  dropped: z.number(),
  failed: z.number(),
  openVisits: z.number(),
});
export type IngestStats = z.infer<typeof ingestStatsSchema>;
