import { chmod, mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { GitServiceError } from "./errors.ts";

/** App names become directory names: keep them to DNS-label characters. */
export const appNamePattern = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export function reposRoot(dataDir: string): string {
  return join(dataDir, "git");
}

export function repoPath(dataDir: string, app: string): string {
  if (!appNamePattern.test(app)) throw new GitServiceError("INVALID_APP_NAME", `Invalid app name: ${app}`);
  return join(reposRoot(dataDir), `${app}.git`);
}

/**
 * The pre-receive hook: sends the ref updates, and where git keeps the pushed objects until the
 * push is accepted (the quarantine), to pier over a loopback TCP connection (port and a one-time
 * secret come from the environment pier gives `git http-backend`); copies whatever pier answers to
 * stdout, which git relays to the pusher as `remote:` lines, and exits with pier's verdict. So a
 * failed deploy rejects the push (git exits non-zero, CI notices) and leaves the branch where it
 * was: pushing the same commit again deploys again. Bash's /dev/tcp keeps it free of curl/nc.
 * Without PIER_HOOK_PORT (a push by other means) it lets the push through.
 */
export const preReceiveHook = `#!/usr/bin/env bash
# Installed by pier; rewritten on every push.
[ -n "$PIER_HOOK_PORT" ] || exit 0
if ! exec 3<>"/dev/tcp/127.0.0.1/$PIER_HOOK_PORT"; then
  echo "pier: could not reach the deploy service on port $PIER_HOOK_PORT; push refused"
  exit 1
fi
{
  printf 'PIER-HOOK %s\n' "$PIER_HOOK_SECRET"
  printf 'PIER-OBJECTS %s\n' "\${GIT_OBJECT_DIRECTORY:-}"
  printf 'PIER-ALTERNATES %s\n' "\${GIT_ALTERNATE_OBJECT_DIRECTORIES:-}"
  cat
  printf '\n'
} >&3
status=1
while IFS= read -r line <&3; do
  case "$line" in
    "PIER-RESULT ok") status=0 ;;
    "PIER-RESULT "*) status=1 ;;
    *) printf '%s\n' "$line" ;;
  esac
done
exit $status
`;

export async function repoExists(gitDir: string): Promise<boolean> {
  return Bun.file(join(gitDir, "HEAD")).exists();
}

/** Creates the bare repository on first use and (re)installs pier's hook. Idempotent. */
export async function ensureBareRepo(gitDir: string, defaultBranch: string): Promise<void> {
  if (!(await repoExists(gitDir))) {
    await mkdir(gitDir, { recursive: true });
    await git(["init", "--quiet", "--bare", `--initial-branch=${defaultBranch}`, gitDir]);
    await git(["--git-dir", gitDir, "config", "http.receivepack", "true"]);
    // Pushes are deploys: let force-pushes and branch deletions through, as users expect.
    await git(["--git-dir", gitDir, "config", "receive.denyNonFastForwards", "false"]);
    await git(["--git-dir", gitDir, "config", "receive.denyDeletes", "false"]);
  }
  const hookPath = join(gitDir, "hooks", "pre-receive");
  const hook = Bun.file(hookPath);
  if (!(await hook.exists()) || (await hook.text()) !== preReceiveHook) {
    await Bun.write(hookPath, preReceiveHook);
    await chmod(hookPath, 0o755);
  }
  // Repositories from before deploys ran in pre-receive: their hook would deploy a second time.
  await rm(join(gitDir, "hooks", "post-receive"), { force: true });
}

/** `refname -> sha` of every ref. */
export async function readRefs(gitDir: string): Promise<Map<string, string>> {
  const out = await git(["--git-dir", gitDir, "for-each-ref", "--format=%(objectname) %(refname)"]);
  const refs = new Map<string, string>();
  for (const line of out.split("\n")) {
    const space = line.indexOf(" ");
    if (space > 0) refs.set(line.slice(space + 1), line.slice(0, space));
  }
  return refs;
}

async function git(args: string[]): Promise<string> {
  const proc = Bun.spawn(["git", ...args], { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  if (code !== 0) throw new GitServiceError("GIT_FAILED", `git ${args[0]} failed: ${err.trim()}`);
  return out;
}
