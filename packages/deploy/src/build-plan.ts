import { z } from "zod";
import { BuildPlanError } from "./errors.ts";
import { defaultPierConfig, type PierConfig } from "./pier-toml.ts";

/** What detection looks at: file paths relative to the build context, and the text of package.json. */
export interface RepoSnapshot {
  paths: readonly string[];
  packageJson?: string;
}

export type PackageManager = "bun" | "npm" | "pnpm" | "yarn";

/** Install/build steps of a JavaScript project; commands are argument arrays (Dockerfile exec form). */
export interface JsBuild {
  runtime: "bun" | "node";
  packageManager: PackageManager;
  /** Files copied before the install step so the dependency layer is cached across deploys. */
  manifests: string[];
  install: string[] | null;
  build: string[] | null;
}

export type BuildPlan =
  | { kind: "dockerfile"; dockerfile: string; reason: string }
  | ({ kind: "bun" | "node"; start: string[]; reason: string } & JsBuild)
  | {
      kind: "static";
      /** Directory served by the proxy: relative to the context, or to /app in the build image. */
      dir: string;
      spa: boolean;
      /** Present when the site is produced by a build script inside a container. */
      build: JsBuild | null;
      reason: string;
    };

const packageJsonSchema = z.looseObject({
  main: z.string().optional(),
  module: z.string().optional(),
  packageManager: z.string().optional(),
  scripts: z.record(z.string(), z.string()).optional(),
  dependencies: z.record(z.string(), z.string()).optional(),
  devDependencies: z.record(z.string(), z.string()).optional(),
});
type PackageJson = z.infer<typeof packageJsonSchema>;

const lockfiles: Record<PackageManager, string[]> = {
  bun: ["bun.lock", "bun.lockb"],
  pnpm: ["pnpm-lock.yaml"],
  yarn: ["yarn.lock"],
  npm: ["package-lock.json", "npm-shrinkwrap.json"],
};

// Build tools whose default output directory is known; anything else with a build script and no
// server entry is assumed to write dist/ (the reason string says so, pier.toml [static] dir overrides).
const staticOutputByTool: [string, string][] = [
  ["react-scripts", "build"],
  ["@docusaurus/core", "build"],
  ["vite", "dist"],
  ["astro", "dist"],
  ["parcel", "dist"],
  ["@11ty/eleventy", "_site"],
];

const bunEntries = ["index.ts", "server.ts", "src/index.ts", "src/server.ts", "index.js", "server.js"];
const nodeEntries = ["index.js", "server.js", "src/index.js", "src/server.js", "index.mjs", "server.mjs"];

/** Decides how to build a context. Pure: the caller supplies the file list and package.json. */
export function detectBuildPlan(repo: RepoSnapshot, config: PierConfig = defaultPierConfig): BuildPlan {
  const has = new Set(repo.paths);
  const dockerfile = config.build.dockerfile;
  if (has.has(dockerfile)) {
    return { kind: "dockerfile", dockerfile, reason: `${dockerfile} found in the repository` };
  }
  if (dockerfile !== defaultPierConfig.build.dockerfile) {
    throw new BuildPlanError(
      `pier.toml [build] dockerfile = "${dockerfile}" but that file is not in the repository`,
    );
  }

  const pkg = repo.packageJson === undefined ? null : parsePackageJson(repo.packageJson);
  const scripts = pkg?.scripts ?? {};

  if (!pkg) {
    if (has.has("bunfig.toml")) {
      const entry = bunEntries.find((p) => has.has(p));
      if (entry)
        return bunApp(has, null, ["bun", entry], `bunfig.toml found, no package.json: running ${entry}`);
    }
    if (config.static.dir || has.has("index.html")) {
      const dir = config.static.dir ?? ".";
      return { kind: "static", dir, spa: config.static.spa, build: null, reason: staticReason(dir, has) };
    }
    throw new BuildPlanError(
      "Cannot tell how to build this app: add a Dockerfile, a package.json (Bun or Node.js) or an index.html (static site)",
    );
  }

  const manager = detectPackageManager(has, pkg);
  const runtime = manager === "bun" ? "bun" : "node";
  const js = jsBuild(has, pkg, manager);
  const managerReason = describeManager(has, pkg, manager);

  if (scripts.start) {
    const start = runtime === "bun" ? ["bun", "run", "start"] : [manager, "run", "start"];
    return { kind: runtime, ...js, start, reason: `${managerReason}; "start" script runs the app` };
  }
  const entries = runtime === "bun" ? bunEntries : nodeEntries;
  const declared = [pkg.module, pkg.main].find((p) => p && has.has(normalise(p)));
  const entry = declared ? normalise(declared) : entries.find((p) => has.has(p));
  if (entry && !config.static.dir) {
    return {
      kind: runtime,
      ...js,
      start: [runtime, entry],
      reason: `${managerReason}; no start script, running ${entry}`,
    };
  }

  if (scripts.build) {
    const tool = staticOutputByTool.find(([name]) => pkg.dependencies?.[name] ?? pkg.devDependencies?.[name]);
    const dir = config.static.dir ?? tool?.[1] ?? "dist";
    const how = config.static.dir
      ? "pier.toml [static] dir"
      : tool
        ? `the default output of ${tool[0]}`
        : "the usual build output dir (set [static] dir in pier.toml if it differs)";
    return {
      kind: "static",
      dir,
      spa: config.static.spa,
      build: js,
      reason: `${managerReason}; "build" script and no start script or server entry: static site from ${dir}/ (${how})`,
    };
  }
  if (config.static.dir || has.has("index.html")) {
    const dir = config.static.dir ?? ".";
    return { kind: "static", dir, spa: config.static.spa, build: null, reason: staticReason(dir, has) };
  }
  throw new BuildPlanError(
    `package.json has no "start" script, no server entry (${entries.join(", ")}) and no "build" script: add a start script`,
  );
}

function bunApp(has: Set<string>, pkg: PackageJson | null, start: string[], reason: string): BuildPlan {
  return { kind: "bun", ...jsBuild(has, pkg, "bun"), start, reason };
}

function jsBuild(has: Set<string>, pkg: PackageJson | null, manager: PackageManager): JsBuild {
  const lockfile = lockfiles[manager].find((f) => has.has(f));
  const manifests = [
    "package.json",
    ...(lockfile ? [lockfile] : []),
    ...(has.has("bunfig.toml") ? ["bunfig.toml"] : []),
  ].filter((f) => has.has(f));
  const hasDeps =
    Object.keys(pkg?.dependencies ?? {}).length + Object.keys(pkg?.devDependencies ?? {}).length > 0;
  const build = pkg?.scripts?.build ? [manager, "run", "build"] : null;
  return {
    runtime: manager === "bun" ? "bun" : "node",
    packageManager: manager,
    manifests,
    // Without dependencies there is nothing to install, and skipping it lets offline machines build.
    install: hasDeps ? installCommand(manager, Boolean(lockfile), build !== null) : null,
    build,
  };
}

function installCommand(manager: PackageManager, locked: boolean, needsDevDeps: boolean): string[] {
  switch (manager) {
    case "bun":
      return [
        "bun",
        "install",
        ...(locked ? ["--frozen-lockfile"] : []),
        ...(needsDevDeps ? [] : ["--production"]),
      ];
    case "npm":
      return locked ? ["npm", "ci", ...(needsDevDeps ? [] : ["--omit=dev"])] : ["npm", "install"];
    case "pnpm":
      return [
        "pnpm",
        "install",
        ...(locked ? ["--frozen-lockfile"] : []),
        ...(needsDevDeps ? [] : ["--prod"]),
      ];
    case "yarn":
      return ["yarn", "install"];
  }
}

// Detection order, documented in packages/deploy/README.md: packageManager in package.json,
// bunfig.toml, a lockfile, a start script that runs bun, a TypeScript entry with no start script
// (Node.js would not run it), then npm.
function detectPackageManager(has: Set<string>, pkg: PackageJson): PackageManager {
  const declared = pkg.packageManager?.split("@")[0];
  if (declared === "bun" || declared === "npm" || declared === "pnpm" || declared === "yarn") return declared;
  if (bunEvidence(has, pkg)) return "bun";
  for (const manager of ["pnpm", "yarn", "npm"] as const) {
    if (lockfiles[manager].some((f) => has.has(f))) return manager;
  }
  return "npm";
}

/** Why a project without a declared package manager counts as a Bun app, or null when it does not. */
function bunEvidence(has: Set<string>, pkg: PackageJson): string | null {
  if (pkg.packageManager?.startsWith("bun@")) return "packageManager";
  if (pkg.packageManager) return null;
  if (has.has("bunfig.toml")) return "bunfig.toml found";
  const lockfile = lockfiles.bun.find((f) => has.has(f));
  if (lockfile) return `${lockfile} found`;
  if ([...lockfiles.pnpm, ...lockfiles.yarn, ...lockfiles.npm].some((f) => has.has(f))) return null;
  const start = pkg.scripts?.start;
  if (start !== undefined) return startRunsBun(start) ? '"start" script runs bun' : null;
  const entry =
    [pkg.module, pkg.main].find((p) => p && has.has(normalise(p))) ?? bunEntries.find((p) => has.has(p));
  return entry?.endsWith(".ts") ? `${normalise(entry)} is TypeScript and there is no lockfile` : null;
}

function startRunsBun(script: string): boolean {
  return /(^|[\s;&|(])(bun|bunx)(\s|$)/.test(script);
}

function describeManager(has: Set<string>, pkg: PackageJson, manager: PackageManager): string {
  if (pkg.packageManager?.startsWith(`${manager}@`)) return `package.json packageManager is ${manager}`;
  if (manager === "bun") return `Bun app (${bunEvidence(has, pkg) ?? "bun"})`;
  const evidence = lockfiles[manager].find((f) => has.has(f));
  return evidence
    ? `Node.js app (${evidence} found)`
    : 'Node.js app (package.json without lockfile, using npm; for Bun set "packageManager": "bun@1" in package.json or add bunfig.toml)';
}

function staticReason(dir: string, has: Set<string>): string {
  if (dir !== ".") return `static site from ${dir}/ (pier.toml [static] dir)`;
  return has.has("index.html") ? "static site: index.html at the root" : "static site";
}

function parsePackageJson(text: string): PackageJson {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new BuildPlanError(`package.json is not valid JSON: ${(error as Error).message}`);
  }
  const result = packageJsonSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new BuildPlanError(`package.json field "${issue.path.join(".")}": ${issue.message}`);
  }
  return result.data;
}

function normalise(path: string): string {
  return path.replace(/^\.\//, "");
}
