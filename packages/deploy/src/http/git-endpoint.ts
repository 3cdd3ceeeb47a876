import { hashToken, hasScope, scopeSchema } from "@pier/auth";
import type { Logger } from "@pier/core";
import type { Stores } from "@pier/db";
import { createGitHttpHandler, type GitHttpHandler, type PushEvent, type PushOutput } from "@pier/git";
import type { DeployEngine } from "../engine/engine.ts";
import { targetEnvironment } from "../engine/environments.ts";
import { type OperationDeps, removePreview } from "../engine/operations.ts";

export interface GitEndpointDeps extends OperationDeps {
  dataDir: string;
  baseDomain: string;
  logger: Logger;
  engine: DeployEngine;
}

/** Token with the deploy scope (push) or read scope (fetch) for an app that exists. */
export async function authorizeGit(
  stores: Stores,
  app: string,
  token: string,
  access: "push" | "fetch",
): Promise<boolean> {
  if (!token) return false;
  const row = await stores.tokens.findActiveByHash(hashToken(token));
  if (!row) return false;
  const scopes = row.scopes.flatMap((s) => {
    const parsed = scopeSchema.safeParse(s);
    return parsed.success ? [parsed.data] : [];
  });
  if (!hasScope(scopes, access === "push" ? "deploy" : "read")) return false;
  // A token limited to some apps pushes and fetches those only.
  if (row.apps && !row.apps.includes(app)) return false;
  // Unknown apps are refused: a push must not create repositories for names nobody registered.
  return (await stores.apps.findByName(app)) !== undefined;
}

/** `git push http://x:TOKEN@HOST/git/APP.git BRANCH`: each pushed branch becomes a deploy. */
export function createGitEndpoint(deps: GitEndpointDeps): GitHttpHandler {
  const log = deps.logger.child({ component: "git" });
  return createGitHttpHandler({
    dataDir: deps.dataDir,
    authorize: (app, token, access) => authorizeGit(deps.stores, app, token, access),
    onDetachedOutput: (app, line) => log.info("deploy output", { app, line }),
    async onPush(push, output) {
      const app = await deps.stores.apps.findByName(push.app);
      if (!app) {
        output.line("pier: this app was deleted while pushing");
        return false;
      }
      let accepted = true;
      for (const update of push.updates) {
        if (!update.branch) continue;
        if (update.kind === "delete") {
          if (update.branch === app.defaultBranch) {
            output.line(`-----> ${update.branch} is the production branch: production keeps running`);
            continue;
          }
          const target = targetEnvironment(app, update.branch, deps.baseDomain);
          const removed = await removePreview(deps, app, target.name, (line) =>
            output.line(`-----> ${line}`),
          );
          output.line(
            removed ? `-----> Preview ${target.host} removed` : `-----> No preview for ${update.branch}`,
          );
          continue;
        }
        const live = await deployPush(deps, app, update.branch, update.newSha, push, output);
        accepted &&= live;
      }
      return accepted;
    },
  });
}

async function deployPush(
  deps: GitEndpointDeps,
  app: NonNullable<Awaited<ReturnType<Stores["apps"]["findByName"]>>>,
  branch: string,
  commitSha: string,
  push: Pick<PushEvent, "gitDir" | "objectEnv">,
  output: PushOutput,
): Promise<boolean> {
  const target = targetEnvironment(app, branch, deps.baseDomain);
  const { log, done } = await deps.engine.start(app, target, {
    kind: "git",
    gitDir: push.gitDir,
    objectEnv: push.objectEnv,
    commitSha,
    branch,
  });
  output.line(
    `-----> ${branch} -> ${target.kind === "production" ? "production" : `preview ${target.name}`}`,
  );
  const unfollow = log.follow({ line: (line) => output.line(line), end: () => {} });
  const final = await done;
  unfollow();
  if (final.status === "live") return true;
  output.line(`-----> DEPLOY FAILED (${final.id}): ${final.error ?? "unknown reason"}`);
  output.line(`-----> Push refused: ${branch} keeps its previous commit; fix it and push again`);
  return false;
}
