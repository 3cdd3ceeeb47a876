/**
 * A small matcher for .gitignore and .dockerignore rules, used when the directory is not a git
 * repository (then `git ls-files` cannot do the work) and for .dockerignore on top of git.
 * Supported: comments, `!` negation, leading `/` anchoring, trailing `/` (directories only),
 * `*`, `?`, `**`, `[...]`. Last matching rule wins; an ignored directory ignores everything below.
 */
export type IgnoreFlavor = "gitignore" | "dockerignore";

interface IgnoreRule {
  negate: boolean;
  dirOnly: boolean;
  regex: RegExp;
}

export interface IgnoreMatcher {
  /** `path` is relative to the root, with `/` separators; `isDir` for directories. */
  ignores(path: string, isDir?: boolean): boolean;
}

export function compileIgnoreRules(text: string, flavor: IgnoreFlavor): IgnoreMatcher {
  const rules: IgnoreRule[] = [];
  for (const rawLine of text.split(/\r?\n/)) {
    let line = flavor === "gitignore" ? rawLine.replace(/(?<!\\)\s+$/, "") : rawLine.trim();
    if (!line || line.startsWith("#")) continue;
    let negate = false;
    if (line.startsWith("!")) {
      negate = true;
      line = line.slice(1);
    }
    if (line.startsWith("\\")) line = line.slice(1);
    // Docker cleans patterns like filepath.Clean: "./a" and "/a" are both "a" at the root.
    if (flavor === "dockerignore") line = line.replace(/^(\.\/)+/, "");
    const dirOnly = line.endsWith("/");
    line = line.replace(/\/+$/, "");
    if (!line) continue;
    // Git anchors a pattern to the root when it contains a slash before its end; Docker always does.
    const anchored = flavor === "dockerignore" || line.includes("/");
    line = line.replace(/^\/+/, "");
    const body = globToRegex(line);
    rules.push({ negate, dirOnly, regex: new RegExp(`^${anchored ? "" : "(?:.*/)?"}${body}$`) });
  }
  return {
    ignores(path, isDir = false) {
      const parts = path.split("/").filter(Boolean);
      // Check every ancestor first: git never re-includes a file whose directory is ignored.
      for (let i = 1; i < parts.length; i++) {
        if (matchRules(rules, parts.slice(0, i).join("/"), true)) return true;
      }
      return matchRules(rules, parts.join("/"), isDir);
    },
  };
}

function matchRules(rules: IgnoreRule[], path: string, isDir: boolean): boolean {
  let ignored = false;
  for (const rule of rules) {
    if (rule.dirOnly && !isDir) continue;
    if (rule.regex.test(path)) ignored = !rule.negate;
  }
  return ignored;
}

function globToRegex(glob: string): string {
  let out = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*") {
      if (glob[i + 1] === "*") {
        const atStart = i === 0 || glob[i - 1] === "/";
        const atEnd = i + 2 === glob.length;
        if (atStart && glob[i + 2] === "/") {
          out += "(?:.*/)?";
          i += 2;
          continue;
        }
        if (atStart && atEnd) {
          out += ".*";
          i += 1;
          continue;
        }
        out += "[^/]*";
        i += 1;
        continue;
      }
      out += "[^/]*";
    } else if (c === "?") {
      out += "[^/]";
    } else if (c === "[") {
      const end = glob.indexOf("]", i + 2);
      if (end === -1) {
        out += "\\[";
        continue;
      }
      const cls = glob
        .slice(i + 1, end)
        .replace(/^!/, "^")
        .replace(/\\/g, "\\\\");
      out += `[${cls}]`;
      i = end;
    } else if (c === "\\" && i + 1 < glob.length) {
      out += escapeRegex(glob[++i]!);
    } else {
      out += escapeRegex(c);
    }
  }
  return out;
}

function escapeRegex(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}
