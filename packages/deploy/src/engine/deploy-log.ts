import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";

export interface LogEnd {
  status: string;
  error: string | null;
}

const maxBufferedLines = 20_000;

type Listener = { line(line: string): void; end(result: LogEnd): void };

/** One deployment's build and rollout log: appended to a file and fanned out to live followers. */
export class DeployLog {
  private readonly listeners = new Set<Listener>();
  private ended: LogEnd | null = null;
  // Followers that subscribe after the first lines (the git hook, an SSE client) get them too.
  private readonly lines: string[] = [];

  /**
   * Why the file stopped taking lines (a full disk, a data dir removed under a replica still
   * draining): the deploy goes on and followers still get every line, since a log that cannot be
   * written must not stop a rollout halfway.
   */
  writeError: Error | null = null;

  constructor(
    readonly path: string,
    private readonly onWriteError: (error: Error) => void = () => {},
  ) {}

  line(text: string): void {
    for (const line of text.split("\n")) {
      // Sync append: lines stay in order and survive a crash mid-deploy; a log line is tiny.
      if (this.writeError === null) {
        try {
          appendFileSync(this.path, `${line}\n`);
        } catch (error) {
          this.writeError = error as Error;
          this.onWriteError(this.writeError);
        }
      }
      if (this.lines.length < maxBufferedLines) this.lines.push(line);
      for (const listener of this.listeners) listener.line(line);
    }
  }

  end(result: LogEnd): void {
    this.ended = result;
    for (const listener of this.listeners) listener.end(result);
    this.listeners.clear();
  }

  isEnded(): boolean {
    return this.ended !== null;
  }

  /** Returns an unsubscribe function. */
  follow(listener: Listener): () => void {
    for (const line of this.lines) listener.line(line);
    if (this.ended) {
      listener.end(this.ended);
      return () => {};
    }
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** Log files live in `<dataDir>/deployments/<id>.log`; running deploys keep their DeployLog here. */
export class DeployLogs {
  private readonly active = new Map<string, DeployLog>();
  readonly dir: string;

  constructor(
    dataDir: string,
    /** Told once per deployment whose log file stopped taking lines. */
    private readonly onWriteError: (deploymentId: string, error: Error) => void = () => {},
  ) {
    this.dir = join(dataDir, "deployments");
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }

  pathOf(deploymentId: string): string {
    return join(this.dir, `${deploymentId.replace(/[^A-Za-z0-9_-]/g, "")}.log`);
  }

  open(deploymentId: string): DeployLog {
    const log = new DeployLog(this.pathOf(deploymentId), (error) => this.onWriteError(deploymentId, error));
    appendFileSync(log.path, "");
    this.active.set(deploymentId, log);
    return log;
  }

  close(deploymentId: string, result: LogEnd): void {
    this.active.get(deploymentId)?.end(result);
    this.active.delete(deploymentId);
  }

  running(deploymentId: string): DeployLog | undefined {
    return this.active.get(deploymentId);
  }

  async read(deploymentId: string): Promise<string> {
    const file = Bun.file(this.pathOf(deploymentId));
    return (await file.exists()) ? file.text() : "";
  }
}
