/** Pure pieces of scripts/check-workspaces.ts: what a file imports, and cycles in a graph. */

const specifier =
  /(?:^|[\s;}])(?:import|export)\s[^'"`;]*?from\s*["']([^"']+)["']|(?:^|[\s;(])import\s*["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)|\brequire\(\s*["']([^"']+)["']\s*\)/g;

/** Package names a source text imports (bare specifiers only: no relative paths, node:, bun). */
export function importedPackages(text: string): Set<string> {
  const names = new Set<string>();
  // Comments can quote import lines ("see `import x from 'y'`"); they are not imports.
  const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
  for (const match of code.matchAll(specifier)) {
    const spec = match[1] ?? match[2] ?? match[3] ?? match[4];
    if (!spec || spec.startsWith(".") || spec.startsWith("/") || spec.startsWith("node:")) continue;
    if (spec === "bun" || spec.startsWith("bun:")) continue;
    const parts = spec.split("/");
    names.add(spec.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0]!);
  }
  return names;
}

/** Tests, test fixtures, build configs and scripts: code that never runs inside `pier`. */
export function isTestFile(path: string): boolean {
  return (
    /\.test\.tsx?$/.test(path) ||
    /(^|\/)(testing|scripts|test|bench)\//.test(path) ||
    /(^|\/)drizzle\.[a-z]+\.config\.ts$/.test(path)
  );
}

/** Every elementary cycle found by a depth-first walk, each reported once (rotated to its smallest node). */
export function findCycles(graph: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  const cycles = new Map<string, string[]>();
  const visit = (node: string, path: string[], onPath: Set<string>) => {
    for (const next of graph.get(node) ?? []) {
      if (onPath.has(next)) {
        const cycle = path.slice(path.indexOf(next));
        const start = cycle.indexOf([...cycle].sort()[0]!);
        const rotated = [...cycle.slice(start), ...cycle.slice(0, start)];
        cycles.set(rotated.join(">"), [...rotated, rotated[0]!]);
      } else if (!path.includes(next) && graph.has(next)) {
        onPath.add(next);
        visit(next, [...path, next], onPath);
        onPath.delete(next);
      }
    }
  };
  for (const node of graph.keys()) visit(node, [node], new Set([node]));
  return [...cycles.values()];
}
