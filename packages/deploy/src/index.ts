export type { BuildPlan, JsBuild, PackageManager, RepoSnapshot } from "./build-plan.ts";
export { detectBuildPlan } from "./build-plan.ts";
export type { BuildReleaseOptions, BuiltRelease, PreparedBuild } from "./build-release.ts";
export { buildRelease, copyFromImage, prepareBuild } from "./build-release.ts";
export type { ContextTarball } from "./context-tarball.ts";
export { extractTarball, listContextFiles, writeContextTarball } from "./context-tarball.ts";
export { DeployQueue, defaultDeployQueue } from "./deploy-queue.ts";
export type { ContainerEvents } from "./docker/client.ts";
export {
  createDockerClient,
  dockerEndpoint,
  engineHasContainers,
  isDockerAvailable,
  openContainerEvents,
  pingDockerEngine,
} from "./docker/client.ts";
export type { BuildImageOptions, BuiltImage } from "./docker/images.ts";
export { buildImage, pruneAppImages, releaseImageTag } from "./docker/images.ts";
export { labelKeys } from "./docker/labels.ts";
export type { LogStream } from "./docker/log-lines.ts";
export { createLogDemuxer } from "./docker/log-lines.ts";
export { ensureImage } from "./docker/pull.ts";
export { removeAppContainersAndImages } from "./docker/remove-app.ts";
export type { LogFollowOptions, PierContainer } from "./docker/replicas.ts";
export {
  createDockerReplicaRuntime,
  listPierContainers,
  streamContainerLogs,
  tailContainerLogs,
} from "./docker/replicas.ts";
export { generateDockerfile, generatedDockerfileName } from "./dockerfile.ts";
export { loadOrCreateInstanceId } from "./engine/instance-id.ts";
export type { DeployFailureReason } from "./errors.ts";
export {
  BuildContextError,
  BuildPlanError,
  DeployError,
  DeployFailedError,
  ImageBuildError,
  PierTomlError,
  ReplicaExitedError,
} from "./errors.ts";
export { extractCommit } from "./git-archive.ts";
export type { HealthOutcome, HealthProbe, ProbeResult } from "./health-check.ts";
export { probeHttp, waitForHealthy } from "./health-check.ts";
export { commandSession } from "./http/command-session.ts";
export type { IgnoreFlavor, IgnoreMatcher } from "./ignore-rules.ts";
export { compileIgnoreRules } from "./ignore-rules.ts";
export { deployModule } from "./module.ts";
export type { PierConfig } from "./pier-toml.ts";
export { defaultPierConfig, parsePierToml, pierTomlSchema } from "./pier-toml.ts";
export type {
  DeploymentPatch,
  DeploymentRecorder,
  DrainMonitor,
  ReplicaRuntime,
  ReplicaSpec,
  ReplicaState,
  RolloutStatus,
  RoutePublisher,
  StartedReplica,
} from "./ports.ts";
export { previewSlug } from "./preview-slug.ts";
export { parseDuration, parseMemory } from "./quantities.ts";
export { readPierConfig, readRepoSnapshot } from "./repo-snapshot.ts";
export type { RolloutPorts, RolloutRequest, RolloutResult } from "./rollout.ts";
export { runRollout } from "./rollout.ts";
export type { BaseImages } from "./settings.ts";
export { baseImagesFromEnv, deployDefaults } from "./settings.ts";
export { contentTypeFor } from "./static/content-types.ts";
export { createStaticSiteHandler, type StaticSiteOptions } from "./static/static-handler.ts";
export {
  combineRuntimes,
  createStaticReplicaRuntime,
  isStaticReplicaId,
  parseStaticImageRef,
  type StaticReplicaInfo,
  type StaticReplicaRuntime,
  staticImageRef,
} from "./static/static-replicas.ts";
