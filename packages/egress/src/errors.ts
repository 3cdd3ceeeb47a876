import { PierError } from "@pier/core";

/** An outbound connection the egress policy refuses; a 4xx when it comes from a user's input. */
export class EgressRefusedError extends PierError {
  constructor(
    readonly address: string,
    readonly why: string,
  ) {
    super(
      "egress_refused",
      `pier does not connect to ${address} (${why}): monitors, webhooks and AI providers may not reach pier's own machine or link-local addresses. An operator can allow a range with --egress-allow (PIER_EGRESS_ALLOW).`,
      422,
    );
  }
}
