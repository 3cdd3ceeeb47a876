import { z } from "zod";

// The shape pier stores and serves: one schema for writing, reading back and the API documentation.
export const frameSchema = z.object({
  filename: z.string().nullable(),
  absPath: z.string().nullable(),
  function: z.string().nullable(),
  module: z.string().nullable(),
  lineno: z.number().nullable(),
  colno: z.number().nullable(),
  inApp: z.boolean(),
  contextLine: z.string().nullable(),
  preContext: z.array(z.string()),
  postContext: z.array(z.string()),
  /** Set when the frame was resolved through an uploaded source map: where the minified code was. */
  minified: z.object({ absPath: z.string(), lineno: z.number(), colno: z.number() }).optional(),
});

export const exceptionSchema = z.object({
  type: z.string().nullable(),
  value: z.string().nullable(),
  module: z.string().nullable(),
  mechanism: z.object({ type: z.string().nullable(), handled: z.boolean().nullable() }).nullable(),
  /** Oldest call first, as in Sentry: the frame that threw is the last one. */
  frames: z.array(frameSchema),
});

export const breadcrumbSchema = z.object({
  timestamp: z.number().nullable(),
  type: z.string().nullable(),
  category: z.string().nullable(),
  level: z.string().nullable(),
  message: z.string().nullable(),
  data: z.record(z.string(), z.unknown()).nullable(),
});

export const levelSchema = z.enum(["fatal", "error", "warning", "info", "debug"]);

export const processedEventSchema = z.object({
  eventId: z.string(),
  /** When the SDK says it happened (ms). */
  timestamp: z.number(),
  receivedAt: z.number(),
  level: levelSchema,
  platform: z.string(),
  logger: z.string().nullable(),
  transaction: z.string().nullable(),
  serverName: z.string().nullable(),
  release: z.string().nullable(),
  dist: z.string().nullable(),
  environment: z.string().nullable(),
  message: z.string().nullable(),
  /** Oldest cause first; the last one is what was thrown. */
  exceptions: z.array(exceptionSchema),
  tags: z.record(z.string(), z.string()),
  user: z
    .object({
      id: z.string().nullable(),
      email: z.string().nullable(),
      username: z.string().nullable(),
      ipAddress: z.string().nullable(),
    })
    .nullable(),
  request: z.record(z.string(), z.unknown()).nullable(),
  contexts: z.record(z.string(), z.unknown()),
  breadcrumbs: z.array(breadcrumbSchema),
  extra: z.record(z.string(), z.unknown()),
  fingerprint: z.array(z.string()),
  sdk: z.object({ name: z.string().nullable(), version: z.string().nullable() }).nullable(),
});

export type Frame = z.infer<typeof frameSchema>;
export type ProcessedException = z.infer<typeof exceptionSchema>;
export type Breadcrumb = z.infer<typeof breadcrumbSchema>;
export type Level = z.infer<typeof levelSchema>;
export type ProcessedEvent = z.infer<typeof processedEventSchema>;
