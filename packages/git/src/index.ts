export { GitServiceError } from "./errors.ts";
export type {
  GitAccess,
  GitAuthorization,
  GitHttpHandler,
  GitHttpOptions,
  GitRefusal,
  PushEvent,
} from "./git-http.ts";
export { createGitHttpHandler } from "./git-http.ts";
export type { ObjectEnv, PushOutput } from "./hook-channel.ts";
export type { RefUpdate } from "./ref-updates.ts";
export { diffRefs, parseHookInput, zeroSha } from "./ref-updates.ts";
export { appNamePattern, readRefs, repoPath } from "./repos.ts";
