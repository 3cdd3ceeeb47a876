import { expect, test } from "bun:test";
import { PassThrough, Readable } from "node:stream";
import { ArchiveCorruptError, newArchiveKey, readArchive, sha256Of, writeArchive } from "./archive.ts";

async function roundTrip(data: Buffer, key?: Buffer) {
  const stored: Buffer[] = [];
  const sink = new PassThrough().on("data", (c: Buffer) => stored.push(c));
  const stats = await writeArchive(Readable.from([data.subarray(0, 1000), data.subarray(1000)]), sink, {
    key,
  });
  const bytes = Buffer.concat(stored);
  return { stats, bytes };
}

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

test("gzip round trip with size and checksum of what is stored", async () => {
  const data = Buffer.from("row,".repeat(50_000));
  const { stats, bytes } = await roundTrip(data);
  expect(stats.rawBytes).toBe(data.length);
  expect(stats.sizeBytes).toBe(bytes.length);
  expect(stats.sizeBytes).toBeLessThan(data.length / 10);
  expect((await sha256Of(Readable.from([bytes]))).sha256).toBe(stats.sha256);
  expect(await readAll(readArchive(Readable.from([bytes])))).toEqual(data);
});

test("encrypted: decrypts with its key, and a flipped byte or another key is an ArchiveCorruptError", async () => {
  const data = Buffer.from(Array.from({ length: 20_000 }, (_, i) => i % 251));
  const key = newArchiveKey();
  const { bytes } = await roundTrip(data, key);
  expect(bytes.includes(Buffer.from([0x1f, 0x8b]), 0) && bytes.indexOf(Buffer.from([0x1f, 0x8b])) === 0).toBe(
    false,
  );
  const chunks = [bytes.subarray(0, 7), bytes.subarray(7, 100), bytes.subarray(100)];
  expect(await readAll(readArchive(Readable.from(chunks), { key }))).toEqual(data);

  const tampered = Buffer.from(bytes);
  tampered[tampered.length - 20]! ^= 1;
  await expect(readAll(readArchive(Readable.from([tampered]), { key }))).rejects.toBeInstanceOf(
    ArchiveCorruptError,
  );
  await expect(readAll(readArchive(Readable.from([bytes]), { key: newArchiveKey() }))).rejects.toBeInstanceOf(
    ArchiveCorruptError,
  );
});

test("a truncated gzip archive is an ArchiveCorruptError", async () => {
  const { bytes } = await roundTrip(Buffer.from("x".repeat(100_000) + Math.random()));
  await expect(
    readAll(readArchive(Readable.from([bytes.subarray(0, bytes.length - 10)]))),
  ).rejects.toBeInstanceOf(ArchiveCorruptError);
});
