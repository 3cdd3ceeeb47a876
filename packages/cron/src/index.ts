export { cronRoutes } from "./http/contract.ts";
export { type CronJob, cronJobSchema } from "./job.ts";
export { cronMigrations } from "./migrations.ts";
export { cronModule } from "./module.ts";
export { dueTimes, parseSchedule, type Schedule, ScheduleError } from "./schedule.ts";
