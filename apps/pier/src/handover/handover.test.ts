import { describe, expect, test } from "bun:test";
import { listeningInodes } from "./console-steering.ts";
import { HANDOVER_ENV, inheritedFdPlan, parseHandoverEnv } from "./protocol.ts";
import { notifySocketAddress } from "./sd-notify.ts";

describe("the hand-over's pure parts", () => {
  test("the predecessor's listening fds land at 3, 4, … in the successor, http first", () => {
    expect(inheritedFdPlan({ http: [21, 25], https: [30] })).toEqual({
      extraStdio: [21, 25, 30],
      successor: { http: [3, 4], https: [5] },
    });
    expect(inheritedFdPlan({ http: [], https: [] })).toEqual({
      extraStdio: [],
      successor: { http: [], https: [] },
    });
  });

  test(`${HANDOVER_ENV} is read strictly, and absent means an ordinary start`, () => {
    expect(parseHandoverEnv(undefined)).toBeUndefined();
    expect(parseHandoverEnv("")).toBeUndefined();
    const env = { v: 1 as const, predecessorPid: 42, listeners: { http: [3, 4], https: [5] } };
    expect(parseHandoverEnv(JSON.stringify(env))).toEqual(env);
    expect(() => parseHandoverEnv("{not json")).toThrow("not JSON");
    expect(() => parseHandoverEnv(JSON.stringify({ ...env, listeners: { http: [0], https: [] } }))).toThrow(
      "malformed",
    );
    expect(() => parseHandoverEnv(JSON.stringify({ ...env, v: 2 }))).toThrow("malformed");
  });

  test("NOTIFY_SOCKET: a path is NUL-terminated, an abstract name starts with NUL and has its exact length", () => {
    const path = notifySocketAddress("/run/systemd/notify")!;
    expect(path.length).toBe(2 + "/run/systemd/notify".length + 1);
    expect([path.address[0], path.address[1]]).toEqual([1, 0]);
    expect(Buffer.from(path.address.subarray(2, path.length - 1)).toString()).toBe("/run/systemd/notify");
    const abstract = notifySocketAddress("@/org/freedesktop/systemd1/notify/1")!;
    expect(abstract.length).toBe(2 + "@/org/freedesktop/systemd1/notify/1".length);
    expect(abstract.address[2]).toBe(0);
    expect(notifySocketAddress("relative")).toBeUndefined();
    expect(notifySocketAddress(`/${"x".repeat(200)}`)).toBeUndefined();
  });

  test("listening sockets of a port are found in /proc/net/tcp and tcp6, other states and ports skipped", () => {
    const header =
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode";
    const tcp = [
      header,
      "   0: 0100007F:1B9E 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1111 1 0000000000000000 100 0 0 10 0",
      "   1: 0100007F:1B9E 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 2222 1 0000000000000000 20 4 30 10 -1",
      "   2: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 3333 1 0000000000000000 100 0 0 10 0",
    ].join("\n");
    const tcp6 = [
      header,
      "   0: 00000000000000000000000000000000:1B9E 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4444 1 0000000000000000 100 0 0 10 0",
    ].join("\n");
    expect([...listeningInodes([tcp, tcp6], 7070)].sort()).toEqual(["1111", "4444"]);
    expect([...listeningInodes([tcp], 80)]).toEqual(["3333"]);
    expect(listeningInodes([tcp], 443).size).toBe(0);
  });
});
