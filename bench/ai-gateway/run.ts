// Added latency of the AI gateway for a streamed chat completion: time to first token through
// `pier serve` minus time to first token straight from the provider; and the same request asked
// through the Responses and Messages APIs, translated to chat and back. Run with `make bench-ai-gateway`.
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

const question = "How fast is the first token?";
const chatBody = JSON.stringify({
  model: "bench/gpt-4o-mini",
  stream: true,
  messages: [{ role: "user", content: question }],
});
const responsesBody = JSON.stringify({ model: "bench/gpt-4o-mini", stream: true, input: question });
const messagesBody = JSON.stringify({
  model: "bench/gpt-4o-mini",
  stream: true,
  max_tokens: 100,
  messages: [{ role: "user", content: question }],
});

interface Path {
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** What the first token ("one") looks like in this API's events. */
  marker?: string;
}

/** Milliseconds from sending the request to the first SSE chunk carrying content; the rest is drained. */
async function timeToFirstToken({
  url,
  headers,
  body = chatBody,
  marker = '"content":"o',
}: Path): Promise<number> {
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
      if (seen.includes(marker)) ttft = performance.now() - started;
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

  const direct: Path = { url: `${provider.url}/v1/chat/completions`, headers: {} };
  const noStore = { authorization: `Bearer ${key}`, "x-pier-cache": "no-store" };
  const viaPier: Path = { url: `${pier.url}/ai/v1/chat/completions`, headers: noStore };
  const cached: Path = { url: viaPier.url, headers: { authorization: `Bearer ${key}` } };
  const responses: Path = {
    url: `${pier.url}/ai/v1/responses`,
    headers: noStore,
    body: responsesBody,
    marker: '"delta":"o',
  };
  const messages: Path = {
    url: `${pier.url}/ai/v1/messages`,
    headers: noStore,
    body: messagesBody,
    marker: '"text":"o',
  };
  const started = performance.now();
  for (let i = 0; i < warmup; i++) {
    for (const path of [direct, viaPier, responses, messages]) await timeToFirstToken(path);
  }
  // Interleaved so drift (CPU frequency, other load) hits every row alike.
  const directMs: number[] = [];
  const pierMs: number[] = [];
  const cachedMs: number[] = [];
  const responsesMs: number[] = [];
  const messagesMs: number[] = [];
  for (let i = 0; i < requests && performance.now() - started < deadlineMs; i++) {
    directMs.push(await timeToFirstToken(direct));
    pierMs.push(await timeToFirstToken(viaPier));
    cachedMs.push(await timeToFirstToken(cached));
    responsesMs.push(await timeToFirstToken(responses));
    messagesMs.push(await timeToFirstToken(messages));
  }
  const added = percentile(pierMs, 50) - percentile(directMs, 50);
  const f = (ms: number) => `${ms.toFixed(2)} ms`;
  const row = (label: string, ms: number[]) =>
    `| ${label} | ${f(percentile(ms, 50))} | ${f(percentile(ms, 90))} | ${f(percentile(ms, 99))} |`;
  const table = [
    "| time to first token (streamed chat completion) | p50 | p90 | p99 |",
    "| --- | --- | --- | --- |",
    row("direct to the provider", directMs),
    row("through pier /ai/v1 (cache bypassed)", pierMs),
    row("through pier, answered from the cache", cachedMs),
    row("through pier /ai/v1/responses, translated to chat and back", responsesMs),
    row("through pier /ai/v1/messages, translated to chat and back", messagesMs),
    "",
    `**Added latency (p50 through pier − p50 direct): ${f(added)}** — target < 2 ms: ${added < 2 ? "met" : "NOT met"}.`,
    `Responses API: ${f(percentile(responsesMs, 50) - percentile(directMs, 50))} added, Messages API: ${f(percentile(messagesMs, 50) - percentile(directMs, 50))} (p50, same provider, same tokens).`,
  ].join("\n");
  console.log(table);
  writePerformanceSection(
    "AI gateway",
    [
      `Measured with \`bun bench/ai-gateway/run.ts\` (\`make bench-ai-gateway\`) on ${machineLine()}.`,
      "",
      `${directMs.length} streamed requests per row after ${warmup} warm-up rounds, sequential and interleaved, one connection pool, loopback.`,
      "The provider is a local OpenAI-compatible fake (`@pier/ai-gateway/testing`) that sends the role chunk at",
      "once and a token every 1 ms (the same on both paths); pier authenticates the virtual key, checks limits and budget, and relays the SSE stream",
      "event by event (usage parsed on the side, usage row written after the answer). `pier serve` runs as the",
      "compiled binary with `--proxy-workers 0` and `PIER_LOG_LEVEL=warn`. The Responses and Messages rows ask the",
      "same provider through those APIs: pier translates the request to chat completions and writes each chunk",
      "back as that API's typed events (`response.output_text.delta`, `content_block_delta`).",
      `1-minute load average when the run ended: ${loadavg()[0]!.toFixed(1)} (the machine is shared with other suites; tails are theirs as much as pier's).`,
      "",
      table,
    ].join("\n"),
  );
} finally {
  await pier?.stop();
  provider.stop();
}
