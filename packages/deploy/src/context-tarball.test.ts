import { afterAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { extractTarball, listContextFiles, writeContextTarball } from "./context-tarball.ts";
import { extractCommit } from "./git-archive.ts";
import { compileIgnoreRules } from "./ignore-rules.ts";

const scratch = await mkdtemp(join(tmpdir(), "pier-context-"));
afterAll(() => rm(scratch, { recursive: true, force: true }));

async function tree(name: string, files: Record<string, string>): Promise<string> {
  const dir = join(scratch, name);
  for (const [path, text] of Object.entries(files)) await Bun.write(join(dir, path), text);
  return dir;
}

function git(dir: string, ...args: string[]): string {
  const result = Bun.spawnSync(["git", "-C", dir, ...args], {
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "t",
      GIT_AUTHOR_EMAIL: "t@t",
      GIT_COMMITTER_NAME: "t",
      GIT_COMMITTER_EMAIL: "t@t",
    },
  });
  if (result.exitCode !== 0) throw new Error(`git ${args.join(" ")}: ${result.stderr}`);
  return result.stdout.toString().trim();
}

const sample = {
  "index.ts": "x",
  "src/app.ts": "x",
  "src/app.test.ts": "x",
  "node_modules/dep/index.js": "x",
  "dist/out.js": "x",
  ".env": "SECRET=1",
  "logs/a.log": "x",
  "logs/keep.log": "x",
  "docs/readme.md": "x",
  ".gitignore": "node_modules/\n/dist\n*.log\n!keep.log\n.env\n",
  ".dockerignore": "docs\n**/*.test.ts\n",
};

describe("ignore rules", () => {
  test("gitignore: unanchored names match at any depth, / anchors, ! re-includes, dir-only rules", () => {
    const rules = compileIgnoreRules(
      "*.log\n!keep.log\n/build\ncache/\n# comment\nsrc/**/gen\n",
      "gitignore",
    );
    expect(rules.ignores("a.log")).toBe(true);
    expect(rules.ignores("deep/dir/b.log")).toBe(true);
    expect(rules.ignores("deep/keep.log")).toBe(false);
    expect(rules.ignores("build/x.js")).toBe(true);
    expect(rules.ignores("sub/build/x.js")).toBe(false);
    expect(rules.ignores("cache", false)).toBe(false);
    expect(rules.ignores("a/cache/file")).toBe(true);
    expect(rules.ignores("src/gen/x.ts")).toBe(true);
    expect(rules.ignores("src/a/b/gen/x.ts")).toBe(true);
    expect(rules.ignores("# comment")).toBe(false);
  });

  test("dockerignore: patterns are rooted, ** spans directories", () => {
    const rules = compileIgnoreRules("node_modules\n**/*.md\n./tmp\n!README.md\n", "dockerignore");
    expect(rules.ignores("node_modules/a/b.js")).toBe(true);
    expect(rules.ignores("pkg/node_modules/a.js")).toBe(false);
    expect(rules.ignores("docs/guide.md")).toBe(true);
    expect(rules.ignores("README.md")).toBe(false);
    expect(rules.ignores("tmp/x")).toBe(true);
  });
});

describe("build context", () => {
  test("a plain directory honours .gitignore then .dockerignore", async () => {
    const dir = await tree("plain", sample);
    expect(await listContextFiles(dir)).toEqual([
      ".dockerignore",
      ".gitignore",
      "index.ts",
      "logs/keep.log",
      "src/app.ts",
    ]);
  });

  test("a git work tree uses git ls-files: tracked and untracked files, minus ignored and deleted", async () => {
    const dir = await tree("repo", {
      ...sample,
      "nested/.gitignore": "secret.txt\n",
      "nested/secret.txt": "x",
    });
    git(dir, "init", "-q");
    await Bun.write(join(dir, "removed.ts"), "x");
    git(dir, "add", ".");
    git(dir, "commit", "-q", "-m", "init");
    await rm(join(dir, "removed.ts"));
    await Bun.write(join(dir, "untracked.ts"), "x");
    const files = await listContextFiles(dir);
    expect(files).toEqual([
      ".dockerignore",
      ".gitignore",
      "index.ts",
      "logs/keep.log",
      "nested/.gitignore",
      "src/app.ts",
      "untracked.ts",
    ]);
  });

  test("tarball round trip keeps content and the executable bit", async () => {
    const dir = await tree("roundtrip", {
      "run.sh": "#!/bin/sh\necho hi\n",
      "a/b.txt": "b",
      ".gitignore": "*.tmp\n",
      "x.tmp": "",
    });
    Bun.spawnSync(["chmod", "+x", join(dir, "run.sh")]);
    const tarPath = join(scratch, "ctx.tar.gz");
    const written = await writeContextTarball(dir, tarPath, { gzip: true });
    expect(written.files).toEqual([".gitignore", "a/b.txt", "run.sh"]);
    expect(written.bytes).toBeGreaterThan(0);
    const out = join(scratch, "roundtrip-out");
    await extractTarball(tarPath, out);
    expect(await Bun.file(join(out, "a/b.txt")).text()).toBe("b");
    expect(await Bun.file(join(out, "x.tmp")).exists()).toBe(false);
    expect(Bun.spawnSync(["test", "-x", join(out, "run.sh")]).exitCode).toBe(0);
  });

  test("extractCommit writes the tree of a pushed commit from a bare repository", async () => {
    const work = await tree("work", { "index.html": "<h1>v1</h1>", "sub/a.txt": "a" });
    git(work, "init", "-q");
    git(work, "add", ".");
    git(work, "commit", "-q", "-m", "v1");
    const sha = git(work, "rev-parse", "HEAD");
    const bare = join(scratch, "bare.git");
    Bun.spawnSync(["git", "clone", "-q", "--bare", work, bare]);
    const out = join(scratch, "commit-out");
    await extractCommit(bare, sha, out);
    expect(await Bun.file(join(out, "index.html")).text()).toBe("<h1>v1</h1>");
    expect(await Bun.file(join(out, "sub/a.txt")).text()).toBe("a");
    await expect(extractCommit(bare, "0".repeat(40), join(scratch, "bad"))).rejects.toThrow(
      /Could not extract/,
    );
    await expect(extractCommit(bare, "HEAD; rm -rf /", join(scratch, "bad"))).rejects.toThrow(
      /Not a full commit/,
    );
  });
});
