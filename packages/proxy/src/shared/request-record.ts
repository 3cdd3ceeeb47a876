import { z } from "zod";

/** One proxied request, as workers report it to the main thread. */
export const requestRecordSchema = z.object({
  /** Epoch ms when the request arrived. */
  ts: z.number(),
  host: z.string(),
  routeId: z.string().nullable(),
  appId: z.string().nullable(),
  status: z.number().int(),
  durationMs: z.number(),
  bytesIn: z.number(),
  bytesOut: z.number(),
  upstream: z.string().nullable(),
});
export type RequestRecord = z.infer<typeof requestRecordSchema>;
