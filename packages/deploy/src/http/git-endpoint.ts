import { hashToken, hasScope, scopeSchema } from "@pier/auth";
import type { Logger } from "@pier/core";
import type { AppRow, Stores } from "@pier/db";
import {
  createGitHttpHandler,
  type GitAuthorization,
  type GitHttpHandler,
  type PushEvent,
  type PushOutput,
  type RefUpdate,
  readRefs,
  zeroSha,
} from "@pier/git";
import { DeployQueue } from "../deploy-queue.ts";
import type { DeployEngine } from "../engine/engine.ts";
import { previewOwnerConflict, targetEnvironment } from "../engine/environments.ts";
import { type OperationDeps, removePreview } from "../engine/operations.ts";

export interface GitEndpointDeps extends OperationDeps {
  dataDir: string;
  baseDomain: string;
  logger: Logger;
  engine: DeployEngine;
}

/**
 * Token with the deploy scope (push) or read scope (fetch) for an app that exists. No valid token:
 * false (git asks for credentials). A valid one that may not: 403. An app that does not exist:
 * 404, but only to a token that could reach it if it did; a token limited to other apps learns
 * nothing about which apps exist.
 */
export async function authorizeGit(
  stores: Stores,
  app: string,
  token: string,
  access: "push" | "fetch",
): Promise<GitAuthorization> {
  if (!token) return false;
  const row = await stores.tokens.findActiveByHash(hashToken(token));
  if (!row) return false;
  const scopes = row.scopes.flatMap((s) => {
    const parsed = scopeSchema.safeParse(s);
    return parsed.success ? [parsed.data] : [];
  });
  const needed = access === "push" ? "deploy" : "read";
  const verb = access === "push" ? "push to" : "fetch from";
  if (!hasScope(scopes, needed))
    return {
      status: 403,
      message: `This token may not ${verb} apps: it needs the ${needed} scope (pier token create --scope ${needed})`,
    };
  // A token limited to some apps pushes and fetches those only.
  if (row.apps && !row.apps.includes(app))
    return { status: 403, message: `This token may not ${verb} ${app}: it is limited to other apps` };
  // Unknown apps are refused: a push must not create repositories for names nobody registered.
  if (!(await stores.apps.findByName(app)))
    return { status: 404, message: `App "${app}" does not exist: create it with pier apps create ${app}` };
  return true;
}

/** `git push http://x:TOKEN@HOST/git/APP.git BRANCH`: each pushed branch becomes a deploy. */
export function createGitEndpoint(deps: GitEndpointDeps): GitHttpHandler {
  const log = deps.logger.child({ component: "git" });
  // One push per app at a time, held until git moved (or kept) its refs: the next push then
  // compares the refs with what it expects against what the previous push left.
  const pushTurns = new DeployQueue();
  return createGitHttpHandler({
    dataDir: deps.dataDir,
    authorize: (app, token, access) => authorizeGit(deps.stores, app, token, access),
    onDetachedOutput: (app, line) => log.info("deploy output", { app, line }),
    onPush(push, output) {
      if (pushTurns.isBusy(push.app)) output.line(`-----> Queued behind the running deploy of ${push.app}`);
      return new Promise<boolean>((resolve, reject) => {
        void pushTurns.run(push.app, async () => {
          await handlePush(deps, push, output).then(resolve, reject);
          await push.ended;
        });
      });
    },
  });
}

/**
 * Updates whose branch no longer holds the sha the pusher started from: another push landed while
 * this one waited, and git would refuse this ref update after the deploy (leaving live a commit
 * that is on no branch). Pure.
 */
export function movedBranches(updates: RefUpdate[], refs: Map<string, string>): RefUpdate[] {
  return updates.filter((u) => u.branch && (refs.get(u.ref) ?? zeroSha) !== u.oldSha);
}

async function handlePush(deps: GitEndpointDeps, push: PushEvent, output: PushOutput): Promise<boolean> {
  const app = await deps.stores.apps.findByName(push.app);
  if (!app) {
    output.line("pier: this app was deleted while pushing");
    return false;
  }
  const refusals = await pushRefusals(deps, app, push);
  if (refusals.length > 0) {
    for (const reason of refusals) output.line(`-----> ${reason}`);
    output.line("-----> Push refused: nothing was deployed");
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
      const removed = await removePreview(deps, app, target, (line) => output.line(`-----> ${line}`));
      output.line(
        removed ? `-----> Preview ${target.host} removed` : `-----> No preview for ${update.branch}`,
      );
      continue;
    }
    const live = await deployPush(deps, app, update.branch, update.newSha, push, output);
    accepted &&= live;
  }
  return accepted;
}

/** Why the push must be refused before any of its branches deploys (git then keeps every ref). */
async function pushRefusals(deps: GitEndpointDeps, app: AppRow, push: PushEvent): Promise<string[]> {
  const reasons: string[] = [];
  // In the detached fallback git moved the refs already: there is nothing left to compare.
  const moved = push.refsMoved ? [] : movedBranches(push.updates, await readRefs(push.gitDir));
  for (const update of moved) {
    reasons.push(
      `${update.branch} moved while this push waited (another push landed first): git pull (or fetch and rebase) and push again`,
    );
  }
  for (const update of push.updates) {
    if (!update.branch || update.kind === "delete") continue;
    const target = targetEnvironment(app, update.branch, deps.baseDomain);
    const existing = await deps.stores.environments.findByName(app.id, target.name);
    const notOwned = existing ? previewOwnerConflict(existing, target) : null;
    if (notOwned) reasons.push(notOwned);
  }
  return reasons;
}

async function deployPush(
  deps: GitEndpointDeps,
  app: AppRow,
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
