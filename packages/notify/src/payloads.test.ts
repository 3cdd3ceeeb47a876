import { expect, test } from "bun:test";
import { renderEvent } from "./events.ts";
import { discordBody, slackBody } from "./payloads.ts";

// Error titles come from anyone holding a project's public DSN: in chat they must stay text.
const rendered = renderEvent({
  kind: "error.new_issue",
  project: "shop",
  issueId: "iss_abc",
  title: "<!channel> @everyone [log in](https://evil.test) <https://evil.test|log in> **now**\n# big",
  level: "error",
  url: "https://pier.test/errors/issues/iss_abc",
});

test("Slack: control sequences escaped, mrkdwn off", () => {
  const body = slackBody(rendered);
  expect(body.mrkdwn).toBe(false);
  expect(body.text).not.toMatch(/<[!h]/);
  expect(body.text).toContain("&lt;!channel&gt;");
  expect(body.attachments[0]!.mrkdwn_in).toEqual([]);
});

test("Discord: no mentions, markdown escaped, the issue link intact", () => {
  const body = discordBody(rendered, new Date(0));
  expect(body.allowed_mentions).toEqual({ parse: [] });
  const description = body.embeds[0]!.description;
  expect(body.content).toContain("\\@everyone \\[log in\\]\\(https://evil.test\\)");
  expect(body.content).toContain("\\*\\*now\\*\\*");
  expect(body.content).toContain("\n\\# big");
  expect(description).toContain("https://pier.test/errors/issues/iss_abc");
});
