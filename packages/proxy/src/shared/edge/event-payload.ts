import { z } from "zod";
import { InvalidEventError, MAX_EVENT_BYTES } from "./invalid-event.ts";

export { InvalidEventError, MAX_EVENT_BYTES };

const propValue = z.union([z.string().max(200), z.number(), z.boolean()]);

const vitalsSchema = z.strictObject({
  lcp: z.number().min(0).max(600_000).optional(),
  cls: z.number().min(0).max(100).optional(),
  inp: z.number().min(0).max(600_000).optional(),
  ttfb: z.number().min(0).max(600_000).optional(),
});

/** What the tracker posts to /_pier/event. Short keys keep the script and the beacons small. */
export const eventPayloadSchema = z.strictObject({
  /** Event name: "pageview", "vitals" or a custom name. */
  n: z.string().trim().min(1).max(120),
  /** Page URL (full, as location.href). */
  u: z.string().max(2000),
  /** document.referrer */
  r: z.string().max(2000).optional(),
  /** Custom event properties: flat, at most 30 keys. */
  p: z
    .record(z.string().max(60), propValue)
    .refine((props) => Object.keys(props).length <= 30, "at most 30 props per event")
    .optional(),
  v: vitalsSchema.optional(),
});
export type EventPayload = z.infer<typeof eventPayloadSchema>;
export type Vitals = z.infer<typeof vitalsSchema>;

export function parseEventPayload(body: string): EventPayload {
  if (body.length > MAX_EVENT_BYTES)
    throw new InvalidEventError(`body larger than ${MAX_EVENT_BYTES} bytes`, 413);
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new InvalidEventError("body is not JSON");
  }
  const parsed = eventPayloadSchema.safeParse(json);
  if (!parsed.success) throw new InvalidEventError(parsed.error.issues.map((i) => i.message).join("; "));
  // zod's record builds its result in a plain {}, where a "__proto__" key sets the prototype: it
  // is neither checked nor kept. Object.fromEntries keeps it as an ordinary prop, checked here.
  let payload: EventPayload = parsed.data;
  const rawProps = (json as { p?: Record<string, unknown> }).p;
  if (rawProps && Object.hasOwn(rawProps, "__proto__")) {
    const value = propValue.safeParse(Object.getOwnPropertyDescriptor(rawProps, "__proto__")?.value);
    if (!value.success) throw new InvalidEventError("the __proto__ prop must be a string, number or boolean");
    if (Object.keys(rawProps).length > 30) throw new InvalidEventError("at most 30 props per event");
    // The other values passed zod unchanged (no transforms): the sender's order is kept.
    payload = { ...payload, p: Object.fromEntries(Object.entries(rawProps)) as typeof payload.p };
  }
  // The tracker never sends NUL (browsers percent-encode it in URLs); refused as the API refuses it.
  const { n, u, r, p } = payload;
  if ([n, u, r, ...Object.entries(p ?? {}).flat()].some((s) => typeof s === "string" && s.includes("\u0000")))
    throw new InvalidEventError("strings must not contain NUL characters (\\u0000)");
  return payload;
}
