import { expect, test } from "bun:test";
import type { ServiceBackups } from "./backups.ts";
import type { ServicesContext } from "./context.ts";
import { BackupScheduler } from "./scheduler.ts";
import type { BackupRow, ServiceRow } from "./store.ts";

const created = new Date("2026-03-04T00:00:00Z");
const service = (name: string, schedule: string, status = "running", createdAt = created) =>
  ({ name, backupSchedule: schedule, status, createdAt }) as ServiceRow;

function world(services: ServiceRow[], backups: Partial<BackupRow>[]) {
  const started: string[] = [];
  const ctx = {
    store: {
      services: { withSchedule: async () => services },
      backups: {
        list: async ({ serviceName }: { serviceName: string }) =>
          backups.filter((b) => b.serviceName === serviceName) as BackupRow[],
      },
    },
    logger: { warn() {} },
  } as unknown as ServicesContext;
  const runner = {
    async backupService(name: string, options: { trigger: string }) {
      started.push(`${name}:${options.trigger}`);
    },
  } as unknown as ServiceBackups;
  return { scheduler: new BackupScheduler(ctx, runner), started };
}

test("runs the backups whose time has come since their last scheduled one, and no other", async () => {
  const { scheduler, started } = world(
    [
      service("due", "daily 03:00"),
      service("done", "daily 03:00"),
      service("later", "daily 05:00", "running", new Date("2026-03-05T00:00:00Z")),
      service("off", "daily 03:00", "stopped"),
    ],
    [
      { serviceName: "done", trigger: "schedule", startedAt: new Date("2026-03-05T03:00:01Z") },
      { serviceName: "due", trigger: "manual", startedAt: new Date("2026-03-05T03:30:00Z") },
      { serviceName: "due", trigger: "schedule", startedAt: new Date("2026-03-04T03:00:01Z") },
    ],
  );
  await scheduler.tick(new Date("2026-03-05T04:00:00Z"));
  expect(started).toEqual(["due:schedule"]);
});
