import { expect, test } from "bun:test";
import { isTransientPushFailure } from "./publish.ts";

test("a push that timed out or lost its connection is tried again; refusals are not", () => {
  for (const message of [
    'Get "https://registry.pier.test:34647/v2/": net/http: request canceled (Client.Timeout exceeded while awaiting headers)',
    "write tcp 10.78.0.11:51234->10.78.0.11:34647: write: connection reset by peer",
    "received unexpected HTTP status: 503 Service Unavailable",
    "unexpected EOF",
    'Get "https://registry.pier.test:43007/v2/": context deadline exceeded',
  ])
    expect(isTransientPushFailure(message)).toBe(true);
  for (const message of [
    "unauthorized: authentication required",
    "denied: requested access to the resource is denied",
    "manifest invalid: manifest invalid",
    "name unknown: repository name not known to registry",
  ])
    expect(isTransientPushFailure(message)).toBe(false);
});
