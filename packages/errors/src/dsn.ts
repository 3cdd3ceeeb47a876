/** A Sentry DSN: `scheme://PUBLIC_KEY@HOST[:PORT][/PATH]/PROJECT_ID`. */
export interface Dsn {
  protocol: "http" | "https";
  publicKey: string;
  host: string;
  /** Path before the project id ("" or e.g. "/_pier"); the SDK puts `/api/ID/envelope/` after it. */
  path: string;
  projectId: string;
}

export function formatDsn(dsn: Dsn): string {
  return `${dsn.protocol}://${dsn.publicKey}@${dsn.host}${dsn.path}/${dsn.projectId}`;
}

/** Returns null for anything the Sentry SDKs would also refuse (they require a numeric project id). */
export function parseDsn(text: string): Dsn | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  const protocol = url.protocol.slice(0, -1);
  if (protocol !== "http" && protocol !== "https") return null;
  if (!url.username) return null;
  const segments = url.pathname.split("/");
  const projectId = segments.pop() ?? "";
  if (!/^\d+$/.test(projectId)) return null;
  return {
    protocol,
    publicKey: decodeURIComponent(url.username),
    host: url.host,
    path: segments.join("/"),
    projectId,
  };
}

/** The envelope URL an SDK derives from a DSN: the same rule as @sentry/core's getEnvelopeEndpoint. */
export function envelopeUrl(dsn: Dsn): string {
  return `${dsn.protocol}://${dsn.host}${dsn.path}/api/${dsn.projectId}/envelope/`;
}

/** A public key: 32 hex characters, like Sentry's, so SDK-side validation never trips on it. */
export function newPublicKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
