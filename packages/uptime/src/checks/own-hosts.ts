/** Where pier's own proxy listens: the serve settings of this pier. */
export interface OwnProxy {
  /** The address the proxy binds (0.0.0.0 and :: are reached on loopback). */
  host: string;
  httpPort: number;
  httpsPort: number;
}

/** Whether pier routes `host`: a route for it, or a wildcard route (`*.example.com`) above it. */
export function isRoutedHost(host: string, routedHosts: ReadonlySet<string>): boolean {
  const name = host.toLowerCase().replace(/\.$/, "");
  if (routedHosts.has(name)) return true;
  for (let dot = name.indexOf("."); dot !== -1; dot = name.indexOf(".", dot + 1))
    if (routedHosts.has(`*.${name.slice(dot + 1)}`)) return true;
  return false;
}

/**
 * Where a monitor reaches a URL of an app this pier serves: its own proxy, on the port for the
 * URL's scheme. Such names resolve to this machine (or, for `*.localhost`, to nothing at all), and
 * the egress policy refuses this machine's addresses to every other monitor; from here, the check
 * takes the path a visitor's request takes once it reaches this machine. A URL on a port that is
 * neither the standard one nor pier's is another service under the same name: null, checked as
 * any other URL.
 */
export function ownProxyTarget(
  url: URL,
  routedHosts: ReadonlySet<string>,
  proxy: OwnProxy,
): { address: string; port: number } | null {
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  if (!isRoutedHost(url.hostname, routedHosts)) return null;
  const https = url.protocol === "https:";
  const port = https ? proxy.httpsPort : proxy.httpPort;
  const given = url.port === "" ? (https ? 443 : 80) : Number(url.port);
  if (given !== port && given !== (https ? 443 : 80)) return null;
  const address =
    proxy.host === "0.0.0.0" || proxy.host === "" ? "127.0.0.1" : proxy.host === "::" ? "::1" : proxy.host;
  return { address, port };
}
