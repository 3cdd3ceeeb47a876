import { afterAll, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "@pier/core";
import { openDatabase } from "@pier/db";
import { createNotifier } from "@pier/notify";
import { startWebhookReceiver } from "@pier/notify/testing";
import { createErrorsService } from "../service.ts";
import { IssueAlertLimiter, maxTitleLength, newIssueEvent } from "./issue-alerts.ts";

const issue = { id: "iss_1", title: "TypeError: x is undefined", culprit: "pay(app.js)", level: "error" };

test("the limiter sends the first N of a window, then holds the rest for one summary", () => {
  const limiter = new IssueAlertLimiter({ perWindow: 2, windowMs: 60_000 });
  const event = (n: number) => newIssueEvent("shop", { ...issue, id: `iss_${n}` }, "https://pier.test");
  expect(limiter.admit(1, event(1), 0)).toEqual({ send: true });
  expect(limiter.admit(1, event(2), 10)).toEqual({ send: true });
  expect(limiter.admit(1, event(3), 20)).toEqual({ send: false, summaryAt: 60_000 });
  expect(limiter.admit(1, event(4), 30)).toEqual({ send: false });
  // Other projects have their own budget.
  expect(limiter.admit(2, event(5), 30)).toEqual({ send: true });
  expect(limiter.takeSummary(1, "https://pier.test/errors")).toMatchObject({
    issueId: "iss_4",
    more: 2,
    url: "https://pier.test/errors",
  });
  expect(limiter.takeSummary(1, "https://pier.test/errors")).toBeNull();
  expect(limiter.admit(1, event(6), 60_001)).toEqual({ send: true });
});

test("a new-issue event is bounded and links to the issue", () => {
  const long = newIssueEvent(
    "shop",
    { ...issue, title: `Error: ${"x".repeat(10_000)}\n\nmore` },
    "https://p.test",
  );
  expect(long.title.length).toBe(maxTitleLength);
  expect(long).toMatchObject({
    level: "error",
    culprit: "pay(app.js)",
    url: "https://p.test/errors/issues/iss_1",
  });
});

// The whole path: events in through the public DSN, new issues out to Slack and Discord channels.
test("new issues reach subscribed channels, escaped and rate-limited", async () => {
  const receiver = startWebhookReceiver();
  const database = await openDatabase({ dataDir: mkdtempSync(join(tmpdir(), "pier-alerts-")) });
  const channel = (kind: "slack" | "discord", events: string[]) => ({
    id: `nch_${kind}`,
    name: kind,
    enabled: true,
    events,
    config: { kind, url: `${receiver.url}/${kind}` },
  });
  const notifier = createNotifier({
    listChannels: async () => [channel("slack", ["error.new_issue"]), channel("discord", ["deploy.failed"])],
    logger: silentLogger,
  });
  const service = await createErrorsService({
    database,
    logger: silentLogger,
    consoleUrl: "https://pier.test",
    writerThread: false,
    notifyChannels: (event) => notifier.notify(event),
    issueAlertLimits: { perWindow: 2, windowMs: 400 },
  });
  afterAll(async () => {
    await service.stop();
    await database.close();
    receiver.stop();
  });
  const project = await service.projects.create({ name: "shop" });
  const hostile = "<!channel> @everyone <https://evil.test|log in> *urgent*";
  const titles = [hostile, "alpha broke", "beta broke", "gamma broke", "delta broke"];
  for (const title of titles) {
    const res = await service.ingest(
      new Request(`http://127.0.0.1/api/${project.id}/store/`, {
        method: "POST",
        headers: { "x-sentry-auth": `Sentry sentry_version=7, sentry_key=${project.publicKey}` },
        body: JSON.stringify({ message: title, level: "fatal" }),
      }),
      { kind: "store", projectId: String(project.id) },
    );
    expect(res.status).toBe(200);
    await service.settled();
  }

  // Two one by one, then a summary of the other three once the window is over; Discord did not subscribe.
  const received = await receiver.waitFor(3, 5000);
  const bodies = received.map((r) => r.json as { text: string; mrkdwn: boolean });
  expect(received.every((r) => r.headers.host && !r.body.includes("embeds"))).toBe(true);
  expect(bodies[0]!.text).toContain(
    "New error in shop: &lt;!channel&gt; @everyone &lt;https://evil.test|log in&gt;",
  );
  expect(bodies[0]!.text).not.toContain("<!channel>");
  expect(bodies[0]!.mrkdwn).toBe(false);
  const [first] = (await service.issues.list({ projectId: project.id, query: "channel" })).issues;
  expect(bodies[0]!.text).toContain(`https://pier.test/errors/issues/${first!.id}`);
  expect(bodies[0]!.text).toContain("[fatal]");
  expect(bodies[1]!.text).toContain("alpha broke");
  expect(bodies[2]!.text).toContain("3 more new error(s) in shop");
  expect(bodies[2]!.text).toContain("delta broke");
  await Bun.sleep(500);
  expect(receiver.received).toHaveLength(3);
});
