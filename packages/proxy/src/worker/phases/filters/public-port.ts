import type { FrontState } from "../../front-state.ts";

/** ":port" for a redirect to the proxy's HTTP or HTTPS listener, "" on the scheme's default port. */
export function portSuffix(state: FrontState, toTls: boolean): string {
  const port = toTls ? state.httpsPort : state.httpPort;
  return port === null || port === (toTls ? 443 : 80) ? "" : `:${port}`;
}
