import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { extractArchive } from "./extract-archive.ts";
import { ReleaseArchiveError, TarScanner } from "./tar-limits.ts";

const base = mkdtempSync(join(tmpdir(), "pier-tar-limits-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));

/** A tar (gzip when asked) of `files` made by the system's tar, as the CLI and git would. */
function tarOf(files: Record<string, string | { fifo: true } | { zeros: number }>, gzip = false): Uint8Array {
  const dir = mkdtempSync(join(base, "src-"));
  for (const [name, content] of Object.entries(files)) {
    const path = join(dir, name);
    mkdirSync(join(path, ".."), { recursive: true });
    if (typeof content === "string") writeFileSync(path, content);
    else if ("fifo" in content) Bun.spawnSync(["mkfifo", path]);
    else Bun.spawnSync(["truncate", "-s", String(content.zeros), path]);
  }
  const out = join(base, `${crypto.randomUUID()}.tar`);
  Bun.spawnSync(["tar", gzip ? "-czf" : "-cf", out, "-C", dir, "."]);
  return readFileSync(out);
}

function scan(bytes: Uint8Array, limits = { maxBytes: 1 << 30, maxFiles: 1000 }, chunk = 700) {
  const scanner = new TarScanner(limits);
  for (let i = 0; i < bytes.length; i += chunk) scanner.push(bytes.subarray(i, i + chunk));
  return scanner.summary;
}

describe("TarScanner", () => {
  test("counts entries and file bytes whatever the chunking", () => {
    const bytes = tarOf({
      "a.txt": "hello",
      "dir/b.txt": "x".repeat(1500),
      [`${"n".repeat(150)}.txt`]: "long",
    });
    for (const chunk of [1, 511, 512, 700, 1 << 20]) {
      // ".", "dir" and three files; the long name adds a GNU long-name entry that is not counted.
      expect(scan(bytes, undefined, chunk)).toEqual({ files: 5, bytes: 5 + 1500 + 4 });
    }
  });

  test("refuses FIFOs and going over the limits, naming the setting to raise", () => {
    expect(() => scan(tarOf({ pipe: { fifo: true } }))).toThrow(ReleaseArchiveError);
    expect(() => scan(tarOf({ pipe: { fifo: true } }))).toThrow("FIFO (./pipe)");
    expect(() => scan(tarOf({ big: { zeros: 5000 } }), { maxBytes: 4096, maxFiles: 10 })).toThrow(
      "PIER_RELEASE_MAX_BYTES",
    );
    expect(() => scan(tarOf({ a: "1", b: "2", c: "3" }), { maxBytes: 1 << 20, maxFiles: 3 })).toThrow(
      "PIER_RELEASE_MAX_FILES",
    );
  });
});

describe("extractArchive", () => {
  const stream = (bytes: Uint8Array) => new Blob([new Uint8Array(bytes)]).stream();

  test("extracts plain and gzip tars", async () => {
    for (const gzip of [false, true]) {
      const dest = join(base, `out-${gzip}`);
      const summary = await extractArchive(stream(tarOf({ "index.html": "<h1>ok</h1>" }, gzip)), dest, {
        maxBytes: 1 << 20,
        maxFiles: 10,
      });
      expect(summary.files).toBe(2);
      expect(readFileSync(join(dest, "index.html"), "utf8")).toBe("<h1>ok</h1>");
    }
  });

  test("a gzip bomb is stopped at the limit and leaves nothing behind", async () => {
    // 64 MiB of zeros compress to about 64 KiB.
    const bomb = tarOf({ "zeros.bin": { zeros: 64 * 1024 * 1024 } }, true);
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const dest = join(base, "bomb");
    await expect(
      extractArchive(stream(bomb), dest, { maxBytes: 8 * 1024 * 1024, maxFiles: 10 }),
    ).rejects.toThrow("PIER_RELEASE_MAX_BYTES");
    expect(existsSync(dest)).toBe(false);
  });

  test("a FIFO in an upload is refused before anything is kept", async () => {
    const dest = join(base, "fifo");
    await expect(
      extractArchive(stream(tarOf({ "ok.txt": "x", pipe: { fifo: true } })), dest, {
        maxBytes: 1 << 20,
        maxFiles: 10,
      }),
    ).rejects.toThrow("FIFO");
    expect(existsSync(dest)).toBe(false);
  });

  test("a truncated gzip is a clear error", async () => {
    const good = tarOf({ "a.txt": "x".repeat(10_000) }, true);
    await expect(
      extractArchive(stream(good.subarray(0, good.length / 2)), join(base, "trunc"), {
        maxBytes: 1 << 20,
        maxFiles: 10,
      }),
    ).rejects.toThrow(/Could not (read|extract) the release/);
  });
});
