import type { CliConfig } from "./cli-config.ts";
import { type DeploymentEnd, watchDeployment } from "./deploy.ts";

/**
 * A change pier stored before restarting the app for it (env vars, a service link): what the user
 * is told when the restart fails, since the change stays stored either way.
 */
export interface StoredChange {
  app: string;
  /** "CRASH and FOO are stored on shop" */
  stored: string;
  /** How to take the change back: "`pier env unset CRASH --app shop`". */
  undo: string;
}

export type RestartEnd = DeploymentEnd & { id: string };

/** The exit code and the closing message of a change's restarts, from how each deployment ended. */
export function restartOutcome(ends: RestartEnd[], change: StoredChange): { code: 0 | 1; message: string } {
  const failed = ends.filter((e) => e.status !== "live");
  if (failed.length === 0)
    return {
      code: 0,
      message: `Restarted ${change.app} (${ends.map((e) => e.id).join(", ")}): it runs with the change.`,
    };
  const reasons = failed.map(
    (e) => `Restart ${e.id} ${e.status ?? "ended"}: ${e.error ?? "see the log above"}`,
  );
  return {
    code: 1,
    message: [
      ...reasons,
      `${change.stored}, but ${change.app} still runs its previous release without the change; the next deploy, restart or restore applies it.`,
      `Take it back with ${change.undo}, or fix the app and deploy again (pier deploy, or git push).`,
    ].join("\n"),
  };
}

/**
 * Follows the restarts a change started, one after the other (an app's deploys run in turn), and
 * prints how they ended. Returns the command's exit code: 1 if any restart did not go live.
 */
export async function followRestarts(
  connection: CliConfig,
  deploymentIds: string[],
  change: StoredChange,
): Promise<number> {
  const ends: RestartEnd[] = [];
  for (const id of deploymentIds) {
    console.error(`Following restart ${id} (--detach to return at once)`);
    ends.push({ id, ...(await watchDeployment(connection, id)) });
  }
  const { code, message } = restartOutcome(ends, change);
  if (code === 0) console.log(message);
  else console.error(message);
  return code;
}

/** "A", "A and B", "A, B and C" */
export function listWords(words: string[]): string {
  return words.length < 2 ? (words[0] ?? "") : `${words.slice(0, -1).join(", ")} and ${words.at(-1)}`;
}
