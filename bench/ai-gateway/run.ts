// Added latency of the AI gateway for a streamed chat completion: time to first token through
// `pier serve` minus time to first token straight from the provider. Run with `make bench-ai-gateway`.
// Loopback only; the provider is a local fake that sends its first token at once.
import { loadavg } from "node:os";
import { startFakeOpenAi } from "@pier/ai-gateway/testing";
import { type PierProcess, runCli, startPier } from "../../test/support/pier-process.ts";
import { machineLine, writePerformanceSection } from "../support/performance-doc.ts";

const requests = Math.min(Number(process.env.REQUESTS ?? 400), 5000);
const warmup = Math.min(Number(process.env.WARMUP ?? 100), 1000);
const deadlineMs = Number(process.env.DEADLINE_SECONDS ?? 120) * 1000;
const adminToken = `pier_bench${crypto.randomUUID().replaceAll("-", "")}`;

const provider = startFakeOpenAi({ tokens: ["one", " two", " three", " four"], chunkDelayMs: 1 });
let pier: PierProcess | undefined;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

const body = JSON.stringify({
  model: "bench/gpt-4o-mini",
  stream: true,
  messages: [{ role: "user", content: "How fast is the first token?" }],
});

/** Milliseconds from sending the request to the first SSE chunk carrying content; the rest is drained. */
async function timeToFirstToken(url: string, headers: Record<string, string>): Promise<number> {
  const started = performance.now();
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  const decoder = new TextDecoder();
  let ttft = -1;
  let seen = "";
  for await (const chunk of res.body!) {
    if (ttft < 0) {
      seen += decoder.decode(chunk, { stream: true });
      if (seen.includes('"content":"o')) ttft = performance.now() - started;
    }
  }
  if (ttft < 0) throw new Error(`${url}: no content chunk`);
  return ttft;
}

try {
  pier = await startPier({
    env: { PIER_ADMIN_TOKEN: adminToken, PIER_LOG_LEVEL: "warn" },
    args: ["--proxy-workers", "0"],
  });
  const env = { PIER_URL: pier.url, PIER_TOKEN: adminToken, HOME: pier.dataDir };
  const setup = await runCli(
    ["ai", "provider", "bench", "--kind", "openai-compatible", "--base-url", `${provider.url}/v1`],
    env,
  );
  if (setup.code !== 0) throw new Error(setup.stderr);
  const key = (await runCli(["ai", "key", "bench"], env)).stdout.trim();

  const direct = { url: `${provider.url}/v1/chat/completions`, headers: {} };
  const viaPier = {
    url: `${pier.url}/ai/v1/chat/completions`,
    headers: { authorization: `Bearer ${key}`, "x-pier-cache": "no-store" },
  };
  const cached = { url: viaPier.url, headers: { authorization: `Bearer ${key}` } };
  const started = performance.now();
  for (let i = 0; i < warmup; i++) {
    await timeToFirstToken(direct.url, direct.headers);
    await timeToFirstToken(viaPier.url, viaPier.headers);
  }
  // Interleaved so drift (CPU frequency, other load) hits both sides alike.
  const directMs: number[] = [];
  const pierMs: number[] = [];
  const cachedMs: number[] = [];
  for (let i = 0; i < requests && performance.now() - started < deadlineMs; i++) {
    directMs.push(await timeToFirstToken(direct.url, direct.headers));
    pierMs.push(await timeToFirstToken(viaPier.url, viaPier.headers));
    cachedMs.push(await timeToFirstToken(cached.url, cached.headers));
  }
  const added = percentile(pierMs, 50) - percentile(directMs, 50);
  const f = (ms: number) => `${ms.toFixed(2)} ms`;
  const table = [
    "| time to first token (streamed chat completion) | p50 | p90 | p99 |",
    "| --- | --- | --- | --- |",
    `| direct to the provider | ${f(percentile(directMs, 50))} | ${f(percentile(directMs, 90))} | ${f(percentile(directMs, 99))} |`,
    `| through pier /ai/v1 (cache bypassed) | ${f(percentile(pierMs, 50))} | ${f(percentile(pierMs, 90))} | ${f(percentile(pierMs, 99))} |`,
    `| through pier, answered from the cache | ${f(percentile(cachedMs, 50))} | ${f(percentile(cachedMs, 90))} | ${f(percentile(cachedMs, 99))} |`,
    "",
    `**Added latency (p50 through pier − p50 direct): ${f(added)}** — target < 2 ms: ${added < 2 ? "met" : "NOT met"}.`,
  ].join("\n");
  console.log(table);
  writePerformanceSection(
    "AI gateway",
    [
      `Measured with \`bun bench/ai-gateway/run.ts\` (\`make bench-ai-gateway\`) on ${machineLine()}.`,
      "",
      `${directMs.length} streamed requests per row after ${warmup} warm-up pairs, sequential, one connection pool, loopback.`,
      "The provider is a local OpenAI-compatible fake (`@pier/ai-gateway/testing`) that sends the role chunk at",
      "once and a token every 1 ms (the same on both paths); pier authenticates the virtual key, checks limits and budget, and relays the SSE stream",
      "event by event (usage parsed on the side, usage row written after the answer). `pier serve` runs as the",
      "compiled binary with `--proxy-workers 0` and `PIER_LOG_LEVEL=warn`.",
      `1-minute load average when the run ended: ${loadavg()[0]!.toFixed(1)} (other suites share the machine).`,
      "",
      table,
    ].join("\n"),
  );
} finally {
  await pier?.stop();
  provider.stop();
}
