import type Docker from "dockerode";
import { listPierContainers, type PierContainer, streamContainerLogs } from "../docker/replicas.ts";

export interface AppLogEntry {
  replica: string;
  containerId: string;
  stream: "stdout" | "stderr";
  line: string;
  ts: string | null;
}

/** Docker's `timestamps` prefix: RFC 3339 with nanoseconds, then one space. */
export function splitTimestamp(raw: string): { ts: string | null; line: string } {
  const match = /^(\d{4}-\d{2}-\d{2}T[0-9:.]+Z) (.*)$/s.exec(raw);
  return match ? { ts: match[1]!, line: match[2]! } : { ts: null, line: raw };
}

const rescanMs = 2000;

/**
 * Log lines of every running replica of an app. History first (sorted by time across replicas),
 * then, when following, new lines as they come and replicas started later (a deploy) as they appear.
 */
export async function streamAppLogs(
  docker: Docker,
  owner: { app: string; instance: string },
  options: { tail: number; follow: boolean; signal: AbortSignal },
  emit: (entry: AppLogEntry) => void,
): Promise<void> {
  const label = (c: PierContainer) => `${c.env}/${c.replica}`;
  const running = async () => (await listPierContainers(docker, owner)).filter((c) => c.state === "running");
  const initial = await running();

  const history: AppLogEntry[] = [];
  await Promise.all(
    initial.map((c) =>
      streamContainerLogs(
        docker,
        c.containerId,
        (raw, stream) =>
          history.push({
            replica: label(c),
            containerId: c.containerId.slice(0, 12),
            stream,
            ...splitTimestamp(raw),
          }),
        { follow: false, tail: options.tail, timestamps: true },
      ).catch(() => {}),
    ),
  );
  history.sort((a, b) => (a.ts ?? "").localeCompare(b.ts ?? ""));
  for (const entry of history.slice(-Math.max(options.tail, 1))) emit(entry);
  if (!options.follow) return;

  const followed = new Set<string>();
  const since = Math.floor(Date.now() / 1000);
  const follow = (c: PierContainer, fromNow: boolean) => {
    followed.add(c.containerId);
    streamContainerLogs(
      docker,
      c.containerId,
      (raw, stream) =>
        emit({ replica: label(c), containerId: c.containerId.slice(0, 12), stream, ...splitTimestamp(raw) }),
      // Known replicas continue after their history; new ones are shown from their start.
      {
        follow: true,
        tail: fromNow ? 0 : 1000,
        since: fromNow ? since : undefined,
        timestamps: true,
        signal: options.signal,
      },
    )
      .catch(() => {})
      .finally(() => followed.delete(c.containerId));
  };
  for (const c of initial) follow(c, true);
  while (!options.signal.aborted) {
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, rescanMs);
      options.signal.addEventListener("abort", () => {
        clearTimeout(timer);
        resolve(undefined);
      });
    });
    if (options.signal.aborted) break;
    for (const c of await running().catch(() => [])) if (!followed.has(c.containerId)) follow(c, false);
  }
}
