import type { Server } from "bun";
import { cgiResponse } from "./cgi.ts";
import { HookChannel, type ObjectEnv, type PushOutput } from "./hook-channel.ts";
import { gitRequestHeadBytes, peekBody, startsLikeGitRequest } from "./pkt-line.ts";
import { diffRefs, type RefUpdate } from "./ref-updates.ts";
import { appNamePattern, ensureBareRepo, readRefs, repoExists, repoPath, reposRoot } from "./repos.ts";

export type GitAccess = "push" | "fetch";

/**
 * What `authorize` decided: true lets git run; false means no valid credentials (a 401 with a
 * challenge, which makes git ask for them); a refusal is for valid credentials that may not do
 * this (403) or a repository that does not exist (404), answered with its message, which git
 * shows as `remote: …` (a 401 would send the user looking for a token problem).
 */
export type GitAuthorization = boolean | GitRefusal;

export interface GitRefusal {
  status: 403 | 404;
  message: string;
}

export interface PushEvent {
  app: string;
  /** The bare repository (give it to extractCommit from @pier/deploy). */
  gitDir: string;
  updates: RefUpdate[];
  /**
   * While the push is pending its objects are in git's quarantine: run git with this environment
   * to read them (extractCommit takes it). Empty once the refs moved (the detached fallback).
   */
  objectEnv: ObjectEnv;
  /**
   * Whether git already moved the refs (the detached fallback, when the hook never called back);
   * false while the push is pending and each ref still holds its update's oldSha.
   */
  refsMoved: boolean;
  /**
   * Settles once git ended this push: the refs moved (accepted) or stayed (refused). A push that
   * waits for this one must compare the refs only after it (git moves them after onPush resolved).
   */
  ended: Promise<void>;
}

export interface GitHttpOptions {
  /** Repositories live in `<dataDir>/git/<app>.git`. */
  dataDir: string;
  /** URL prefix the handler is mounted on; default "/git". */
  basePath?: string;
  /** Branch HEAD points to in new repositories; default "main". */
  defaultBranch?: string;
  /** Checks the token (the password of HTTP Basic auth) before git runs. */
  authorize(app: string, token: string, access: GitAccess): GitAuthorization | Promise<GitAuthorization>;
  /**
   * Called once per push before the refs are updated (git's pre-receive). Lines written to
   * `output` appear in the pusher's terminal as `remote: ...` until the returned promise settles:
   * finish with the live URL or the failure reason. Resolve false (or throw) to refuse the push:
   * git then exits non-zero and the branch keeps its previous commit.
   */
  onPush(push: PushEvent, output: PushOutput): Promise<boolean>;
  /** Called when onPush ran without a connected hook (its output lines then come here). */
  onDetachedOutput?(app: string, line: string): void;
}

export interface GitHttpHandler {
  /** Answers requests under basePath; null for other paths so it can sit in front of a router. */
  fetch(request: Request, server?: Server<unknown>): Promise<Response | null>;
  close(): Promise<void>;
}

const smartPath = /^\/([^/]+?)(?:\.git)?\/(info\/refs|git-upload-pack|git-receive-pack)$/;

/** git smart HTTP (`git push http://x:TOKEN@HOST/git/APP.git main`) on top of `git http-backend`. */
export function createGitHttpHandler(options: GitHttpOptions): GitHttpHandler {
  const basePath = (options.basePath ?? "/git").replace(/\/$/, "");
  const defaultBranch = options.defaultBranch ?? "main";
  const hooks = new HookChannel();

  async function handle(request: Request, server?: Server<unknown>): Promise<Response | null> {
    const url = new URL(request.url);
    if (!url.pathname.startsWith(`${basePath}/`)) return null;
    const match = smartPath.exec(url.pathname.slice(basePath.length));
    if (!match) return text(404, "Not a git smart HTTP endpoint\n");
    const app = match[1]!;
    const endpoint = match[2]!;
    if (!appNamePattern.test(app)) return text(404, "Unknown repository\n");

    const service = endpoint === "info/refs" ? url.searchParams.get("service") : endpoint;
    if (service !== "git-upload-pack" && service !== "git-receive-pack") {
      return text(403, "Only the smart HTTP protocol is supported: upgrade git\n");
    }
    const expectedMethod = endpoint === "info/refs" ? "GET" : "POST";
    if (request.method !== expectedMethod) return text(405, "Method not allowed\n");
    const access: GitAccess = service === "git-receive-pack" ? "push" : "fetch";

    const credentials = basicCredentials(request.headers.get("authorization"));
    const decision = credentials ? await options.authorize(app, credentials.password, access) : false;
    if (!credentials || decision === false) {
      // A 401 with a Basic challenge is what makes git ask for (or retry) credentials.
      return new Response("Authentication required: use an API token as the password\n", {
        status: 401,
        headers: { "www-authenticate": 'Basic realm="pier"', "content-type": "text/plain" },
      });
    }
    if (decision !== true) return text(decision.status, `${decision.message}\n`);

    // git sends these with every POST; git http-backend refuses others too, after having started.
    let body: ReadableStream<Uint8Array> | null = request.body;
    if (expectedMethod === "POST") {
      const contentType = request.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase();
      if (contentType !== `application/x-${service}-request`)
        return text(415, `A ${service} request has Content-Type application/x-${service}-request\n`);
      const peeked = body ? await peekBody(body, gitRequestHeadBytes) : null;
      if (!peeked || !startsLikeGitRequest(peeked.head, request.headers.get("content-encoding")))
        return text(400, `Not a ${service} request: the body is not git's pkt-line protocol\n`);
      body = peeked.body;
    }

    const gitDir = repoPath(options.dataDir, app);
    if (access === "push") await ensureBareRepo(gitDir, defaultBranch);
    else if (!(await repoExists(gitDir))) return text(404, `Nothing pushed to ${app} yet\n`);

    const isPushPost = access === "push" && endpoint === "git-receive-pack";
    // A deploy log can pause for longer than the server's idle timeout (an npm install, a health
    // check); the push connection must survive it.
    if (isPushPost) server?.timeout(request, 0);
    let gitEnded: () => void = () => {};
    const ended = new Promise<void>((resolve) => {
      gitEnded = resolve;
    });
    const session = isPushPost
      ? await hooks.register((updates, output, objectEnv) =>
          options.onPush({ app, gitDir, updates, objectEnv, refsMoved: false, ended }, output),
        )
      : null;
    const refsBefore = isPushPost ? await readRefs(gitDir) : null;

    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
      HOME: options.dataDir,
      GIT_PROJECT_ROOT: reposRoot(options.dataDir),
      GIT_HTTP_EXPORT_ALL: "1",
      PATH_INFO: `/${app}.git/${endpoint}`,
      REQUEST_METHOD: request.method,
      QUERY_STRING: url.search.slice(1),
      CONTENT_TYPE: request.headers.get("content-type") ?? "",
      REMOTE_USER: credentials.username || "pier",
      REMOTE_ADDR: server?.requestIP(request)?.address ?? "127.0.0.1",
      ...session?.env,
    };
    const encoding = request.headers.get("content-encoding");
    if (encoding) env.HTTP_CONTENT_ENCODING = encoding;
    const gitProtocol = request.headers.get("git-protocol");
    if (gitProtocol) env.GIT_PROTOCOL = gitProtocol;
    const length = request.headers.get("content-length");
    if (length) env.CONTENT_LENGTH = length;

    const proc = Bun.spawn(["git", "http-backend"], {
      env,
      stdin: body ?? "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    const stderr = new Response(proc.stderr).text();
    void proc.exited.then(async () => {
      gitEnded();
      if (!session) return;
      await session.settled();
      session.release();
      if (session.connected() || !refsBefore) return;
      // The hook never called back: still deploy, from a before/after comparison of the refs.
      const updates = diffRefs(refsBefore, await readRefs(gitDir));
      if (updates.length === 0) return;
      const detached: PushOutput = { line: (line) => options.onDetachedOutput?.(app, line) };
      await options
        .onPush({ app, gitDir, updates, objectEnv: {}, refsMoved: true, ended }, detached)
        .catch((error: Error) => detached.line(error.message));
    });
    request.signal.addEventListener("abort", () => proc.kill(), { once: true });

    try {
      return await cgiResponse(proc.stdout);
    } catch (error) {
      proc.kill();
      const detail = (await stderr).trim();
      return text(500, `git http-backend failed: ${detail || (error as Error).message}\n`);
    }
  }

  return { fetch: handle, close: () => hooks.close() };
}

function basicCredentials(header: string | null): { username: string; password: string } | null {
  if (!header?.toLowerCase().startsWith("basic ")) return null;
  let decoded: string;
  try {
    decoded = atob(header.slice(6).trim());
  } catch {
    return null;
  }
  const colon = decoded.indexOf(":");
  if (colon === -1) return null;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function text(status: number, body: string): Response {
  return new Response(body, { status, headers: { "content-type": "text/plain" } });
}
