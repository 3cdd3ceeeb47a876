import { readdir, readFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { apiRequest, connectionFlags, resolveConnection } from "./api-client.ts";
import { type Command, UsageError } from "./command.ts";

/**
 * `app.min.js.map` under DIR belongs to the minified file `<prefix>/app.min.js`: the name stack
 * frames give it (`~/static/app.min.js` for any origin, or an absolute path for server code). Pure.
 */
export function sourceMapTargets(relativeMaps: string[], urlPrefix: string): { map: string; file: string }[] {
  const prefix = urlPrefix.replace(/\/+$/, "");
  return relativeMaps
    .filter((path) => path.endsWith(".map"))
    .map((map) => ({ map, file: `${prefix}/${map.split(sep).join("/").slice(0, -".map".length)}` }))
    .sort((a, b) => a.file.localeCompare(b.file));
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && !e.parentPath.includes(`${sep}node_modules`))
    .map((e) => relative(dir, join(e.parentPath, e.name)));
}

export const errorsSourcemapsCommand: Command = {
  name: "errors sourcemaps",
  summary: "Upload the source maps of a build so stack traces of minified code show the original source.",
  usage: "pier errors sourcemaps DIR --project ID --release R [--url-prefix ~/static]",
  positionals: [{ name: "DIR", required: true }],
  flags: {
    project: { type: "string", value: "ID", help: "error-tracking project id (pier errors projects)" },
    release: { type: "string", value: "R", help: "the release the SDK reports (SENTRY_RELEASE)" },
    "url-prefix": {
      type: "string",
      value: "P",
      help: "where DIR is served: ~/static for https://any-host/static/, or /app/dist for server code (default ~)",
    },
    ...connectionFlags,
  },
  async run(args) {
    const project = args.flags.project;
    const release = args.flags.release;
    if (typeof project !== "string" || !/^\d+$/.test(project))
      throw new UsageError("--project ID is required (a number: see pier errors projects)", this);
    if (typeof release !== "string" || release === "")
      throw new UsageError("--release R is required: the release your SDK reports", this);
    const prefix = typeof args.flags["url-prefix"] === "string" ? args.flags["url-prefix"] : "~";
    const dir = args.positionals[0]!;
    let files: string[];
    try {
      files = await listFiles(dir);
    } catch (error) {
      throw new UsageError(`cannot read ${dir}: ${(error as Error).message}`, this);
    }
    const targets = sourceMapTargets(files, prefix);
    if (targets.length === 0)
      throw new UsageError(`no *.map files under ${dir}: build with source maps on`, this);
    const connection = resolveConnection(args);
    const base = `/api/v1/errors/projects/${project}/releases/${encodeURIComponent(release)}/sourcemaps`;
    for (const [i, { map, file }] of targets.entries()) {
      let body: unknown;
      try {
        body = JSON.parse(await readFile(join(dir, map), "utf8"));
      } catch {
        throw new UsageError(`${map} is not JSON: is it a source map?`, this);
      }
      await apiRequest(connection, "PUT", `${base}?file=${encodeURIComponent(file)}`, body);
      console.log(`[${i + 1}/${targets.length}] ${map} -> ${file}`);
    }
    console.log(`Uploaded ${targets.length} source map(s) for release ${release}.`);
    return 0;
  },
};
