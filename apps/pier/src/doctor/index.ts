export {
  type BindProbe,
  type ClockProbe,
  type DockerProbe,
  type DoctorOptions,
  type Finding,
  type FindingStatus,
  type HostProbes,
  hasFailures,
  runHostChecks,
} from "./checks.ts";
export { systemProbes } from "./probes.ts";
export { logFindings, logHostFindings, renderFindings } from "./report.ts";
