import { afterEach, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "@pier/core";
import { type Database, openDatabase } from "@pier/db";
import { createErrorsService, type ErrorsService } from "../service.ts";
import { runWrites } from "../store/tables.ts";
import type { WriterThread, WriterThreadOptions } from "./writer-thread.ts";

/** The parts of the real thread a test reaches: its worker, options and message port. */
interface ThreadInternals {
  worker: Worker;
  options: WriterThreadOptions;
  post(message: unknown): void;
}
const threadOf = (service: ErrorsService) =>
  (service.writer as unknown as { sink: unknown }).sink as ThreadInternals &
    Pick<WriterThread, "writerDown" | "stop">;

// The errors service on SQLite with its real writer thread: what one bad event, or a dead thread,
// does to every other event.
const opened: { service: ErrorsService; database: Database }[] = [];
afterEach(async () => {
  for (const { service, database } of opened.splice(0)) {
    await service.stop();
    await database.close();
  }
});

async function open(dataDir = mkdtempSync(join(tmpdir(), "pier-errors-writer-"))) {
  const database = await openDatabase({ dataDir });
  const service = await createErrorsService({
    database,
    logger: silentLogger,
    consoleUrl: "http://console.test",
    secretBox: { encrypt: async (s) => `sealed:${s}`, decrypt: async (s) => s.slice(7) },
  });
  opened.push({ service, database });
  return { service, database, dataDir };
}

const eventId = () => crypto.randomUUID().replaceAll("-", "");

function postEnvelope(
  service: ErrorsService,
  projectId: number,
  key: string,
  items: string[],
  header = "{}",
) {
  const lines = [header];
  for (const item of items) lines.push(JSON.stringify({ type: "event" }), item);
  return service.ingest(
    new Request(`http://127.0.0.1/api/${projectId}/envelope/`, {
      method: "POST",
      headers: { "x-sentry-auth": `Sentry sentry_version=7, sentry_key=${key}` },
      body: `${lines.join("\n")}\n`,
    }),
    { kind: "envelope", projectId: String(projectId) },
  );
}

/** What the review sent: 200,000 nested arrays in `extra` and a header the scrubber rewrites. */
function poisonEvent(id: string): string {
  const deep = `${"[".repeat(200_000)}${"]".repeat(200_000)}`;
  return `{"event_id":"${id}","message":"poison","request":{"headers":{"Authorization":"Bearer abcdefghijklmnopqrstuvwxyz"}},"extra":{"x":${deep}}}`;
}

test("an event nested 200,000 deep is stored cut at the depth limit; the next event is stored too", async () => {
  const { service } = await open();
  const project = await service.projects.create({ name: "poison" });
  const poison = eventId();
  const normal = eventId();
  // In one hand-off to the thread, as the review had them.
  const [first, second] = await Promise.all([
    postEnvelope(service, project.id, project.publicKey, [poisonEvent(poison)], `{"event_id":"${poison}"}`),
    postEnvelope(service, project.id, project.publicKey, [
      JSON.stringify({ event_id: normal, message: "after" }),
    ]),
  ]);
  expect([first.status, second.status]).toEqual([200, 200]);
  await service.settled();
  expect((await service.event(project.id, normal))?.message).toBe("after");
  const cut = await service.event(project.id, poison);
  expect(cut?.request).toMatchObject({ headers: { Authorization: "[Filtered]" } });
  // extra is level 2, x level 3: arrays from level 21 on became one string.
  let level: unknown = cut?.extra.x;
  let depth = 3;
  while (Array.isArray(level)) {
    level = level[0];
    depth++;
  }
  expect([depth, level]).toEqual([21, "[Array]"]);
});

test("a writer thread that dies: ingest answers 503 until a new thread is up, then stores again", async () => {
  const { service } = await open();
  const project = await service.projects.create({ name: "restart" });
  const before = eventId();
  expect(
    (await postEnvelope(service, project.id, project.publicKey, [JSON.stringify({ event_id: before })]))
      .status,
  ).toBe(200);
  await service.settled();
  const thread = threadOf(service);
  const closed = new Promise((resolve) => thread.worker.addEventListener("close", resolve));
  thread.worker.terminate();
  await closed;

  expect(thread.writerDown).toBe(true);
  const refused = await postEnvelope(service, project.id, project.publicKey, [
    JSON.stringify({ event_id: eventId() }),
  ]);
  expect(refused.status).toBe(503);
  expect(refused.headers.get("retry-after")).toBe("5");
  expect((await refused.json()).error.code).toBe("writer_unavailable");
  // Reads do not wait for a thread that cannot answer.
  await expect(service.settled()).rejects.toThrow(/writer thread/);

  while (thread.writerDown) await Bun.sleep(10);
  const after = eventId();
  expect(
    (await postEnvelope(service, project.id, project.publicKey, [JSON.stringify({ event_id: after })]))
      .status,
  ).toBe(200);
  await service.settled();
  expect(await service.event(project.id, after)).not.toBeNull();
  expect(await service.event(project.id, before)).not.toBeNull();
});

test("stop ends a writer thread that no longer answers, within its timeout", async () => {
  const { service } = await open();
  const project = await service.projects.create({ name: "stuck" });
  await postEnvelope(service, project.id, project.publicKey, [JSON.stringify({ event_id: eventId() })]);
  await service.settled();
  const thread = threadOf(service);
  // A thread stuck in a loop: it takes messages but never answers.
  thread.options.stopTimeoutMs = 200;
  thread.post = () => {};
  const started = Date.now();
  await thread.stop();
  expect(Date.now() - started).toBeLessThan(2000);
});

test("an event stored 100,000 deep before ingest bounded depth still reads, cut at the limit", async () => {
  const { service, database } = await open();
  const project = await service.projects.create({ name: "deep-read" });
  const id = eventId();
  const payload = `{"event_id":"${id}","message":"deep","extra":{"x":${"[".repeat(100_000)}${"]".repeat(100_000)}}}`;
  const row = {
    projectId: project.id,
    eventId: id,
    issueId: "iss_deep",
    receivedAt: Date.now(),
    level: "error",
    release: null,
    environment: null,
    payload: new TextEncoder().encode(payload),
  };
  await runWrites(database, service.events.transactionalWrites([row]));
  const event = await service.event(project.id, id);
  expect(event?.message).toBe("deep");
  expect(JSON.stringify(event)).toContain('"[Array]"');
  expect((await service.latestEvent({ id: "iss_deep", projectId: project.id }))?.eventId).toBe(id);
});

test("each event item keeps its own event_id when the envelope header names none or another item", async () => {
  const { service } = await open();
  const project = await service.projects.create({ name: "ids" });
  const [a, b, c] = [eventId(), eventId(), crypto.randomUUID()];
  const lone = await postEnvelope(service, project.id, project.publicKey, [
    JSON.stringify({ message: "no header id", extra: { event_id: "f".repeat(32) }, event_id: a }),
  ]);
  expect(await lone.json()).toEqual({ id: a });
  const pair = await postEnvelope(
    service,
    project.id,
    project.publicKey,
    [JSON.stringify({ event_id: b, message: "first" }), JSON.stringify({ event_id: c, message: "second" })],
    `{"event_id":"${b}"}`,
  );
  expect(await pair.json()).toEqual({ id: b });
  await service.settled();
  expect((await service.event(project.id, a))?.message).toBe("no header id");
  expect((await service.event(project.id, b))?.message).toBe("first");
  expect((await service.event(project.id, c.replaceAll("-", "")))?.message).toBe("second");
});
