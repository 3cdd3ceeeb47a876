import { channelConfigPatchSchema, channelConfigSchema, channelEventsSchema } from "@pier/notify/channels";
import { z } from "zod";

// Request bodies and query strings of the uptime API that are not a domain schema of their own
// (monitors: ../monitor.ts, status pages: ../status-page/status-page-input.ts).

export const incidentsQuery = z.object({
  monitor: z.string().optional(),
  open: z.enum(["true", "false"]).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});

export const latencyQuery = z.object({ period: z.enum(["24h", "7d"]).default("24h") });

export const checksQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const createChannelBody = z.strictObject({
  name: z.string().min(1).max(100),
  events: channelEventsSchema,
  enabled: z.boolean().default(true),
  config: channelConfigSchema,
});

export const patchChannelBody = z.strictObject({
  name: z.string().min(1).max(100).optional(),
  // Unwrapped: zod 4 would apply the [] default and a rename would clear the channel's events.
  events: channelEventsSchema.unwrap().optional(),
  enabled: z.boolean().optional(),
  config: channelConfigPatchSchema.optional(),
});

export const testChannelBody = z.strictObject({ message: z.string().max(1000).optional() });
