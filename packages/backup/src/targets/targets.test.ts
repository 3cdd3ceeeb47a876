import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LocalS3, startLocalS3 } from "../../testing/s3-server.ts";
import { archiveName } from "../format/archive-name.ts";
import { streamOf } from "../format/byte-reader.ts";
import { openArchive, openTarget } from "./target.ts";

let s3: LocalS3;
const scratch = mkdtempSync(join(tmpdir(), "pier-targets-"));
beforeAll(async () => {
  s3 = await startLocalS3();
});
afterAll(async () => {
  await s3.stop();
  rmSync(scratch, { recursive: true, force: true });
});

const bytes = (size: number) => crypto.getRandomValues(new Uint8Array(size));
async function* chunks(data: Uint8Array, size = 1 << 20) {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}
async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

describe.each(["local", "s3"] as const)("%s target", (kind) => {
  const spec = () => (kind === "s3" ? `s3://${s3.bucket}/daily/pier` : join(scratch, "dir"));

  test("writes, lists newest first, reads back, removes; other objects are left alone", async () => {
    const target = openTarget(spec(), s3.env);
    const big = bytes(kind === "s3" ? 18 * 1024 * 1024 : 3 * 1024 * 1024);
    const older = archiveName(new Date("2026-01-01T03:00:00Z"), false);
    const newer = archiveName(new Date("2026-01-02T03:00:00Z"), true);
    await target.write(older, streamOf(chunks(bytes(10))));
    const stored = await target.write(newer, streamOf(chunks(big)));
    expect(stored.bytes).toBe(big.length);
    const listed = await target.list();
    expect(listed.map((a) => [a.name, a.size, a.encrypted])).toEqual([
      [newer, big.length, true],
      [older, 10, false],
    ]);
    expect(await readAll(await target.read(newer))).toEqual(big);
    const { target: again, name } = openArchive(`${spec()}/${newer}`, s3.env);
    expect(name).toBe(newer);
    expect((await again.list()).length).toBe(2);
    await target.remove(older);
    expect((await target.list()).map((a) => a.name)).toEqual([newer]);
    if (kind === "local") expect(statSync(join(spec(), newer)).mode & 0o777).toBe(0o600);
  });

  test("a failed write leaves nothing under the name", async () => {
    const target = openTarget(spec(), s3.env);
    const name = archiveName(new Date("2026-02-01T03:00:00Z"), false);
    async function* broken() {
      yield bytes(6 * 1024 * 1024);
      throw new Error("disk went away");
    }
    await expect(target.write(name, streamOf(broken()))).rejects.toThrow("disk went away");
    expect((await target.list()).map((a) => a.name)).not.toContain(name);
    if (kind === "local") expect(readdirSync(spec()).filter((n) => n.includes(".partial"))).toEqual([]);
  });
});

test("prepare: a target that can take an archive passes and keeps nothing; one that cannot says why", async () => {
  const dir = join(scratch, "prepared", "nested");
  await openTarget(dir).prepare();
  expect(readdirSync(dir)).toEqual([]);
  // A file where the directory should be, and a place no directory can be made.
  writeFileSync(join(scratch, "a-file"), "");
  await expect(openTarget(join(scratch, "a-file")).prepare()).rejects.toThrow("cannot");
  await expect(openTarget("/proc/pier-backups").prepare()).rejects.toThrow(
    "cannot create /proc/pier-backups",
  );
  await openTarget(`s3://${s3.bucket}/prepared`, s3.env).prepare();
  await expect(openTarget("s3://no-such-bucket/x", s3.env).prepare()).rejects.toThrow();
});

test("S3 credentials missing, or not a target, are refused with the fix", () => {
  expect(() => openTarget("s3://bucket/x", {})).toThrow("PIER_BACKUP_S3_ACCESS_KEY_ID");
  expect(() => openTarget("ftp://host/x", {})).toThrow("s3://bucket/prefix");
  writeFileSync(join(scratch, "plain"), "");
  expect(() => openArchive("s3://bucket/prefix/not-an-archive", s3.env)).toThrow("pier backup list");
});
