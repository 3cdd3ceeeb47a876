import { describe, expect, test } from "bun:test";
import { chunksOf, streamOf } from "./byte-reader.ts";
import { DecryptionError, decryptStream, encryptStream, newKeyFileText, parseKeyFile } from "./encryption.ts";
import { compareVersions, parseManifest, restoreRefusal, safeSymlinkTarget } from "./manifest.ts";
import { decodePax, encodeHeader, paxRecord } from "./tar-header.ts";
import { endOfArchive, readTar, tarMember } from "./tar-stream.ts";

async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of source) parts.push(chunk);
  return new Uint8Array(Buffer.concat(parts));
}

/** Re-chunks bytes at odd boundaries, as a network would. */
async function* rechunk(bytes: Uint8Array, size = 777): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

describe("tar", () => {
  test("members round-trip, long names through pax, symlinks and directories", async () => {
    const long = `data/static/${"x".repeat(150)}/index.html`;
    const body = new TextEncoder().encode("hello ".repeat(300));
    const tar = await collect(
      (async function* () {
        yield* tarMember({ name: "dir", kind: "directory", size: 0, mode: 0o755, mtime: 0 });
        yield* tarMember(
          { name: long, kind: "file", size: body.length, mode: 0o644, mtime: 1_700_000_000_000 },
          [body],
        );
        yield* tarMember({
          name: "dir/link",
          kind: "symlink",
          size: 0,
          mode: 0o777,
          mtime: 0,
          linkname: "../x",
        });
        yield endOfArchive;
      })(),
    );
    const seen: { name: string; kind: string; text?: string }[] = [];
    for await (const { entry, data } of readTar(rechunk(tar))) {
      seen.push({
        name: entry.name,
        kind: entry.kind,
        text: entry.kind === "file" ? new TextDecoder().decode(await collect(data)) : entry.linkname,
      });
    }
    expect(seen).toEqual([
      { name: "dir", kind: "directory", text: undefined },
      { name: long, kind: "file", text: "hello ".repeat(300) },
      { name: "dir/link", kind: "symlink", text: "../x" },
    ]);
    // GNU tar reads what pier writes.
    await Bun.write("/tmp/pier-backup-tar-test.tar", tar);
    const listed = Bun.spawnSync(["tar", "-tf", "/tmp/pier-backup-tar-test.tar"]);
    expect(listed.stdout.toString().split("\n")).toContain(long);
  });

  test("pax record lengths count themselves, in bytes", () => {
    for (const value of ["a", "x".repeat(95), "é".repeat(60)]) {
      const record = paxRecord("path", value);
      expect(Number(record.split(" ")[0])).toBe(new TextEncoder().encode(record).length);
      expect(decodePax(new TextEncoder().encode(record))).toEqual({ path: value });
    }
  });

  test("a truncated tar and a member of the wrong size are errors", async () => {
    const tar = await collect(
      tarMember({ name: "a", kind: "file", size: 10, mode: 0o600, mtime: 0 }, [new Uint8Array(10)]),
    );
    const read = async () => {
      for await (const { data } of readTar(rechunk(tar))) await collect(data);
    };
    await expect(read()).rejects.toThrow("end marker");
    await expect(
      collect(tarMember({ name: "a", kind: "file", size: 10, mode: 0o600, mtime: 0 }, [new Uint8Array(4)])),
    ).rejects.toThrow("4 bytes");
    const header = encodeHeader({ name: "a", kind: "file", size: 1, mode: 0o600, mtime: 0 });
    header[0] = 98;
    await expect(
      (async () => {
        for await (const _ of readTar(rechunk(header))) {
        }
      })(),
    ).rejects.toThrow("checksum");
  });
});

/** Offset of the last chunk's body in a sealed stream (walks the length prefixes). */
function lastChunkStart(sealed: Uint8Array): number {
  const view = new DataView(sealed.buffer, sealed.byteOffset);
  let at = 8 + 4 + view.getUint32(8);
  let last = at;
  while (at < sealed.length) {
    last = at + 4;
    at += 4 + view.getUint32(at);
  }
  return last;
}

describe("encryption", () => {
  const plain = crypto.getRandomValues(new Uint8Array(2.5 * 1024 * 1024));
  const key = { kind: "key-file" as const, key: parseKeyFile(newKeyFileText()) };

  test("round-trips across chunk boundaries, with a key file and a passphrase", async () => {
    const sealed = await collect(encryptStream(rechunk(plain, 100_003), key));
    expect(await collect(decryptStream(rechunk(sealed, 65_537), key))).toEqual(plain);
    const pass = { kind: "passphrase" as const, passphrase: "correct horse" };
    const small = new TextEncoder().encode("tiny");
    const sealedPass = await collect(encryptStream(rechunk(small), pass));
    expect(await collect(decryptStream(rechunk(sealedPass), pass))).toEqual(small);
    await expect(
      collect(decryptStream(rechunk(sealedPass), { kind: "passphrase", passphrase: "wrong" })),
    ).rejects.toThrow("wrong passphrase");
    await expect(collect(decryptStream(rechunk(sealedPass), key))).rejects.toThrow("passphrase");
  });

  test("a flipped byte, a truncation or an appended chunk fails authentication", async () => {
    const sealed = await collect(encryptStream(rechunk(plain, 100_003), key));
    const flipped = sealed.slice();
    flipped[sealed.length - 5000] = flipped[sealed.length - 5000]! ^ 1;
    await expect(collect(decryptStream(rechunk(flipped), key))).rejects.toBeInstanceOf(DecryptionError);
    // Cut at a chunk boundary: the chunk now last was not sealed as the last one.
    const lastChunk = 4 + (sealed.length - lastChunkStart(sealed));
    await expect(
      collect(decryptStream(rechunk(sealed.subarray(0, sealed.length - lastChunk + 4)), key)),
    ).rejects.toBeInstanceOf(DecryptionError);
    const appended = Buffer.concat([sealed, sealed.subarray(lastChunkStart(sealed) - 4)]);
    await expect(collect(decryptStream(rechunk(appended), key))).rejects.toBeInstanceOf(DecryptionError);
    await expect(
      collect(decryptStream(rechunk(sealed.subarray(0, sealed.length - 100)), key)),
    ).rejects.toBeInstanceOf(DecryptionError);
    const other = { kind: "key-file" as const, key: parseKeyFile(newKeyFileText()) };
    await expect(collect(decryptStream(rechunk(sealed), other))).rejects.toThrow("another key file");
  });
});

describe("manifest", () => {
  const base = {
    format: "pier-backup",
    formatVersion: 1,
    pierVersion: "0.2.0",
    createdAt: new Date().toISOString(),
    hostname: "h",
    dataDir: "/var/lib/pier",
    dialect: "sqlite",
    migrations: [],
    instanceId: null,
    runId: null,
    clickhouse: false,
    files: [{ path: "data/pier.db", size: 1, sha256: "0".repeat(64), mode: 0o600 }],
    dirs: [],
    symlinks: [],
  };

  test("versions compare by precedence; a newer pier's archive is refused with the fix", () => {
    expect(compareVersions("0.2.0", "0.1.9")).toBe(1);
    expect(compareVersions("0.1.0-dev", "0.1.0")).toBe(-1);
    expect(compareVersions("1.0.0", "1.0.0")).toBe(0);
    const manifest = parseManifest(JSON.stringify(base));
    expect(restoreRefusal(manifest, { version: "0.2.0" })).toBeNull();
    expect(restoreRefusal(manifest, { version: "0.1.0" })).toContain("upgrade pier to 0.2.0");
  });

  test("unsafe paths, duplicates and newer formats are refused", () => {
    const withPath = (path: string) => JSON.stringify({ ...base, files: [{ ...base.files[0], path }] });
    expect(() => parseManifest(withPath("../etc/passwd"))).toThrow("damaged");
    expect(() => parseManifest(withPath("/etc/passwd"))).toThrow("damaged");
    expect(() => parseManifest(withPath("data/../../x"))).toThrow("damaged");
    expect(() => parseManifest(JSON.stringify({ ...base, files: [base.files[0], base.files[0]] }))).toThrow(
      "twice",
    );
    expect(() => parseManifest(JSON.stringify({ ...base, formatVersion: 2 }))).toThrow("upgrade pier first");
    expect(() => parseManifest("{}")).toThrow("not a pier backup");
  });

  test("symlinks may point within their own folder only", () => {
    expect(safeSymlinkTarget("data/static/dep_1/latest.html", "index.html")).toBe(true);
    expect(safeSymlinkTarget("data/static/dep_1/a/b", "../index.html")).toBe(true);
    expect(safeSymlinkTarget("data/static/dep_1/a", "../../dep_2/x")).toBe(false);
    expect(safeSymlinkTarget("data/static/dep_1/a", "/etc/passwd")).toBe(false);
  });
});

test("streamOf and chunksOf keep bytes and order", async () => {
  const bytes = crypto.getRandomValues(new Uint8Array(10_000));
  expect(await collect(chunksOf(streamOf(rechunk(bytes, 333))))).toEqual(bytes);
});
