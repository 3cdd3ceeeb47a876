import { expect, test } from "bun:test";
import { scheduleLine } from "./backup-server.ts";

test("backup status says which time zone the schedule is in, and the next run in UTC", () => {
  expect(scheduleLine("daily 03:00", "2026-12-08T02:00:00.000Z")).toBe(
    "daily 03:00 (server's local time zone; next 2026-12-08 02:00 UTC)",
  );
  expect(scheduleLine("hourly", null)).toBe("hourly (server's local time zone)");
  expect(scheduleLine("off", null)).toBe("off");
});
