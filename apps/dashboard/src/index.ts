// Only the module: its assets (the bundled web app) load on the first page request, not at start.
export { dashboardModule } from "./module.ts";
