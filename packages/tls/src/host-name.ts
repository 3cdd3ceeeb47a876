import { z } from "zod";
import { InvalidHostError, WildcardNeedsDns01Error } from "./errors.ts";

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** Lower-cased DNS name, optionally with one leading `*.` label; trailing dot dropped. */
export const hostNameSchema = z
  .string()
  .trim()
  .transform((value) => value.toLowerCase().replace(/\.$/, ""))
  .superRefine((host, ctx) => {
    const reason = hostNameProblem(host);
    if (reason) ctx.addIssue({ code: "custom", message: reason });
  });

export type HostName = z.infer<typeof hostNameSchema>;

function hostNameProblem(host: string): string | null {
  if (host.length === 0) return "it is empty";
  if (host.length > 253) return "it is longer than 253 characters";
  if (IPV4.test(host) || host.includes(":")) return "IP addresses cannot be routed by SNI";
  const labels = host.split(".");
  const [first, ...rest] = labels;
  if (first === "*") {
    if (rest.length < 2) return "a wildcard must cover a domain with at least two labels (*.example.com)";
  }
  for (const label of first === "*" ? rest : labels) {
    if (!LABEL.test(label)) return `label "${label}" must be 1-63 letters, digits or inner hyphens`;
  }
  if (/^\d+$/.test(labels[labels.length - 1]!)) return "the top-level label cannot be numeric";
  return null;
}

export function isWildcard(host: HostName): boolean {
  return host.startsWith("*.");
}

/**
 * Validates a host for a managed certificate. ACME needs a public-looking name and, for
 * wildcards, DNS-01 — which pier does not implement — so those are refused up front.
 */
export function parseHostName(input: unknown, options: { acme: boolean }): HostName {
  const result = hostNameSchema.safeParse(input);
  if (!result.success) {
    throw new InvalidHostError(String(input), result.error.issues[0]?.message ?? "invalid");
  }
  const host = result.data;
  if (options.acme && isWildcard(host)) throw new WildcardNeedsDns01Error(host);
  if (options.acme && !host.includes(".")) {
    throw new InvalidHostError(host, "ACME certificates need a fully qualified name (with a dot)");
  }
  return host;
}
