/**
 * The command line of the proxy pool alone (bench/proxy/serve.ts) as the proxy benchmarks start
 * it: both ports, one upstream, `workers` workers and the certificate for HTTPS.
 */
export function proxyPoolCommand(o: {
  httpPort: number;
  httpsPort: number;
  upstreamPort: number;
  workers: number;
  cert: string;
  key: string;
}): string[] {
  return [
    process.execPath,
    "bench/proxy/serve.ts",
    "--http-port",
    String(o.httpPort),
    "--https-port",
    String(o.httpsPort),
    "--upstream",
    `http://127.0.0.1:${o.upstreamPort}`,
    "--workers",
    String(o.workers),
    "--cert",
    o.cert,
    "--key",
    o.key,
  ];
}
