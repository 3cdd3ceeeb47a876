import { z } from "zod";

// What SDKs send, read leniently: a field of the wrong type is dropped (`.catch`), never a reason to
// lose the whole event. Only "the payload is not an object" rejects it.
const str = z.string().optional().catch(undefined);
const num = z.number().optional().catch(undefined);
const bool = z.boolean().optional().catch(undefined);
const strList = z.array(z.string()).optional().catch(undefined);
const record = z.record(z.string(), z.unknown()).optional().catch(undefined);

export const rawFrameSchema = z.looseObject({
  filename: str,
  abs_path: str,
  function: str,
  raw_function: str,
  module: str,
  package: str,
  lineno: num,
  colno: num,
  in_app: bool,
  instruction_addr: str,
  context_line: str,
  pre_context: strList,
  post_context: strList,
});

const stacktraceSchema = z.looseObject({ frames: z.array(rawFrameSchema).optional().catch(undefined) });

export const rawExceptionSchema = z.looseObject({
  type: str,
  value: str,
  module: str,
  mechanism: z.looseObject({ type: str, handled: bool }).optional().catch(undefined),
  stacktrace: stacktraceSchema.optional().catch(undefined),
});

const messageSchema = z
  .union([z.string(), z.looseObject({ formatted: str, message: str, params: z.unknown().optional() })])
  .optional()
  .catch(undefined);

const breadcrumbSchema = z.looseObject({
  timestamp: z.union([z.number(), z.string()]).optional().catch(undefined),
  type: str,
  category: str,
  level: str,
  message: str,
  data: record,
});

const tagValue = z.union([z.string(), z.number(), z.boolean()]);

export const rawEventSchema = z.looseObject({
  event_id: str,
  timestamp: z.union([z.number(), z.string()]).optional().catch(undefined),
  level: str,
  platform: str,
  logger: str,
  transaction: str,
  server_name: str,
  release: z.union([z.string(), z.number()]).optional().catch(undefined),
  dist: str,
  environment: str,
  message: messageSchema,
  logentry: messageSchema,
  exception: z
    .union([z.looseObject({ values: z.array(rawExceptionSchema).optional() }), z.array(rawExceptionSchema)])
    .optional()
    .catch(undefined),
  stacktrace: stacktraceSchema.optional().catch(undefined),
  tags: z
    .union([z.record(z.string(), tagValue.nullable()), z.array(z.tuple([z.string(), tagValue.nullable()]))])
    .optional()
    .catch(undefined),
  extra: record,
  user: z
    .looseObject({
      id: z.union([z.string(), z.number()]).optional().catch(undefined),
      email: str,
      username: str,
      ip_address: str,
    })
    .optional()
    .catch(undefined),
  request: z
    .looseObject({
      url: str,
      method: str,
      query_string: z.unknown().optional(),
      headers: z.unknown().optional(),
      data: z.unknown().optional(),
    })
    .optional()
    .catch(undefined),
  contexts: z.record(z.string(), z.unknown()).optional().catch(undefined),
  breadcrumbs: z
    .union([z.looseObject({ values: z.array(breadcrumbSchema).optional() }), z.array(breadcrumbSchema)])
    .optional()
    .catch(undefined),
  fingerprint: z
    .array(z.union([z.string(), z.number()]))
    .optional()
    .catch(undefined),
  sdk: z.looseObject({ name: str, version: str }).optional().catch(undefined),
});

export type RawEvent = z.infer<typeof rawEventSchema>;
export type RawFrame = z.infer<typeof rawFrameSchema>;
export type RawException = z.infer<typeof rawExceptionSchema>;
