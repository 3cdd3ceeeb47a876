export class RouteAckTimeoutError extends Error {
  readonly code = "ROUTE_ACK_TIMEOUT";
  constructor(kind: string, version: number, missing: number, timeoutMs: number) {
    super(
      `${missing} proxy worker(s) did not acknowledge ${kind} version ${version} within ${timeoutMs} ms; ` +
        "the worker may be stuck or overloaded: check the proxy log, it is respawned if it died",
    );
    this.name = "RouteAckTimeoutError";
  }
}

export class ProxyStartError extends Error {
  readonly code = "PROXY_START";
  constructor(detail: string) {
    super(`proxy workers could not start: ${detail}; is another process listening on the HTTP/HTTPS port?`);
    this.name = "ProxyStartError";
  }
}
