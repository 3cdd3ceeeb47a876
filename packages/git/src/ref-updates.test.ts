import { describe, expect, test } from "bun:test";
import { cgiResponse } from "./cgi.ts";
import { diffRefs, parseHookInput, zeroSha } from "./ref-updates.ts";

const a = "a".repeat(40);
const b = "b".repeat(40);

describe("ref updates", () => {
  test("hook input lines become create/update/delete with the branch name", () => {
    const updates = parseHookInput(
      `${zeroSha} ${a} refs/heads/main\n${a} ${b} refs/heads/feat/x\n${b} ${zeroSha} refs/tags/v1\n\n`,
    );
    expect(updates.map((u) => [u.kind, u.branch])).toEqual([
      ["create", "main"],
      ["update", "feat/x"],
      ["delete", null],
    ]);
  });

  test("diffing ref snapshots finds the same changes (the fallback when the hook cannot call back)", () => {
    const before = new Map([
      ["refs/heads/main", a],
      ["refs/heads/old", a],
    ]);
    const after = new Map([
      ["refs/heads/main", b],
      ["refs/heads/new", a],
    ]);
    expect(diffRefs(before, after).map((u) => `${u.kind} ${u.ref}`)).toEqual([
      "update refs/heads/main",
      "create refs/heads/new",
      "delete refs/heads/old",
    ]);
  });
});

describe("cgiResponse", () => {
  const stream = (...chunks: string[]) =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
        controller.close();
      },
    });

  test("status and headers split across chunks; body streamed after them", async () => {
    const response = await cgiResponse(
      stream("Status: 403 Forb", "idden\r\nContent-Type: text/plain\r\n\r", "\nno ", "push"),
    );
    expect(response.status).toBe(403);
    expect(response.headers.get("content-type")).toBe("text/plain");
    expect(await response.text()).toBe("no push");
  });

  test("no status line means 200; empty output is an error", async () => {
    const response = await cgiResponse(stream("Content-Type: application/x-git-receive-pack-result\n\nPACK"));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("PACK");
    await expect(cgiResponse(stream())).rejects.toThrow(/no output/);
  });
});
