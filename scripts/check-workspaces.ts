#!/usr/bin/env bun
/**
 * Checks the workspace manifests against the code (run by `make lint`):
 * - every package a workspace imports is declared in its own package.json (the hoisted linker
 *   would otherwise hide a missing declaration until the package is used on its own);
 * - nothing is declared that the workspace does not import;
 * - a package never imports itself by name (its own files are imported relatively);
 * - the graph of workspace packages has no cycle (tests included: a test is code of its package).
 * Prints what to change and exits 1 on any finding.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { findCycles, importedPackages, isTestFile } from "./workspace-graph.ts";

const root = join(import.meta.dir, "..");

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  workspaces?: string[];
}

interface Workspace {
  dir: string;
  manifest: Manifest;
  /** Folders of the workspace that belong to another workspace (root only). */
  excluded: string[];
}

const readManifest = (dir: string): Manifest => JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
const rootManifest = readManifest(root);

function workspaceDirs(): string[] {
  const dirs: string[] = [];
  for (const pattern of rootManifest.workspaces ?? []) {
    const base = pattern.replace(/\/\*$/, "");
    for (const name of readdirSync(join(root, base))) {
      const dir = join(root, base, name);
      if (statSync(dir).isDirectory() && statSync(join(dir, "package.json"), { throwIfNoEntry: false }))
        dirs.push(dir);
    }
  }
  return dirs;
}

const skipDirs = new Set(["node_modules", "dist", ".bun", ".git", "migrations", ".pier-data"]);
function sourceFiles(dir: string, excluded: string[]): string[] {
  const files: string[] = [];
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) {
        if (!skipDirs.has(entry.name) && !excluded.includes(path) && !entry.name.startsWith(".")) walk(path);
      } else if (/\.(ts|tsx|js|mjs)$/.test(entry.name) && !entry.name.endsWith(".d.ts")) {
        files.push(path);
      }
    }
  };
  walk(dir);
  return files;
}

const workspaces: Workspace[] = workspaceDirs().map((dir) => ({
  dir,
  manifest: readManifest(dir),
  excluded: [],
}));
workspaces.push({
  dir: root,
  manifest: rootManifest,
  excluded: [join(root, "apps"), join(root, "packages")],
});
const workspaceNames = new Set(workspaces.map((w) => w.manifest.name));
// Type packages are used through tsconfig `types` or ambient declarations, not imports; tools run
// from the Makefile (`bun x …`).
const notImported = (name: string) =>
  name.startsWith("@types/") || ["@biomejs/biome", "typescript", "drizzle-kit"].includes(name);

const problems: string[] = [];
const graph = new Map<string, Set<string>>();

for (const workspace of workspaces) {
  const { manifest } = workspace;
  const runtime = new Map<string, string>();
  const dev = new Map<string, string>();
  for (const file of sourceFiles(workspace.dir, workspace.excluded)) {
    const text = readFileSync(file, "utf8");
    const target = isTestFile(relative(workspace.dir, file)) ? dev : runtime;
    for (const name of importedPackages(text)) if (!target.has(name)) target.set(name, relative(root, file));
  }
  const declared = { ...manifest.dependencies, ...manifest.peerDependencies };
  const declaredDev = manifest.devDependencies ?? {};
  const label =
    workspace.dir === root ? "package.json (root)" : `${relative(root, workspace.dir)}/package.json`;

  for (const [name, file] of runtime) {
    if (name === manifest.name) {
      problems.push(`${file}: imports its own package "${name}" by name; import the file relatively`);
    } else if (!(name in declared)) {
      const where = name in declaredDev ? "is only a devDependency" : "is not declared";
      problems.push(
        `${label}: "${name}" ${where} but ${file} imports it at run time (add it to "dependencies")`,
      );
    }
  }
  for (const [name, file] of dev) {
    if (name === manifest.name) {
      problems.push(`${file}: imports its own package "${name}" by name; import the file relatively`);
    } else if (!(name in declared) && !(name in declaredDev)) {
      problems.push(
        `${label}: "${name}" is not declared but ${file} imports it (add it to "devDependencies")`,
      );
    }
  }
  for (const name of [...Object.keys(declared), ...Object.keys(declaredDev)]) {
    if (!runtime.has(name) && !dev.has(name) && !notImported(name))
      problems.push(`${label}: "${name}" is declared but nothing in the workspace imports it (remove it)`);
  }
  for (const name of Object.keys(declared)) {
    if (workspaceNames.has(name) && declared[name] !== "workspace:*")
      problems.push(`${label}: workspace package "${name}" must be declared as "workspace:*"`);
  }
  const edges = new Set([...runtime.keys(), ...dev.keys()].filter((n) => workspaceNames.has(n)));
  edges.delete(manifest.name);
  graph.set(manifest.name, edges);
}

for (const cycle of findCycles(graph)) {
  problems.push(`package cycle: ${cycle.join(" -> ")} (move the shared piece into a lower package)`);
}

if (problems.length > 0) {
  console.error(`check-workspaces: ${problems.length} problem(s)\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log(`check-workspaces: ${workspaces.length} workspaces, dependencies declared, no package cycle`);
