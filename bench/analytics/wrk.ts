/** wrk against 127.0.0.1 with a bounded duration; optional Lua script for beacon POSTs. */
export interface WrkResult {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  errors: string;
}

function ms(v: string): number {
  const n = Number.parseFloat(v);
  if (v.endsWith("us")) return n / 1000;
  if (v.endsWith("ms")) return n;
  return n * 1000;
}

export async function wrk(options: {
  url: string;
  seconds: number;
  connections: number;
  host: string;
  script?: string;
}): Promise<WrkResult> {
  if (!new URL(options.url).hostname.startsWith("127.")) throw new Error("benchmarks talk to 127.0.0.1 only");
  const p = Bun.spawn(
    [
      "wrk",
      "-t",
      "1",
      "-c",
      String(options.connections),
      "-d",
      `${options.seconds}s`,
      "--timeout",
      "5s",
      "--latency",
      "-H",
      `Host: ${options.host}`,
      ...(options.script ? ["-s", options.script] : []),
      options.url,
    ],
    { stdout: "pipe", stderr: "pipe" },
  );
  const killer = setTimeout(() => p.kill("SIGKILL"), (options.seconds + 30) * 1000);
  const out = await new Response(p.stdout).text();
  await p.exited;
  clearTimeout(killer);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0),
    p50: ms(/\s50%\s+([\d.]+\w+)/.exec(out)?.[1] ?? "0ms"),
    p99: ms(/\s99%\s+([\d.]+\w+)/.exec(out)?.[1] ?? "0ms"),
    requests: Number(/(\d+) requests in/.exec(out)?.[1] ?? 0),
    errors: out.match(/(Non-2xx.*|Socket errors.*)/g)?.join("; ") ?? "",
  };
}

/**
 * Beacons as the tracker sends them: a pageview JSON body, a rotating set of 5,000 user agents so
 * visits and visitor ids are spread like real traffic rather than one hot visitor.
 */
export const beaconScript = `
local n = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "text/plain;charset=UTF-8"
local pages = {"/", "/pricing", "/docs", "/blog/launch", "/about"}
request = function()
  n = n + 1
  local ua = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0." .. (n % 5000) .. " Safari/537.36"
  local body = '{"n":"pageview","u":"http://bench.test' .. pages[(n % 5) + 1] .. '","r":"https://www.google.com/"}'
  wrk.headers["User-Agent"] = ua
  return wrk.format(nil, "/_pier/event", nil, body)
end
`;
