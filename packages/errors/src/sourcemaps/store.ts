import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseSourceMap, type SourceMap, SourceMapError } from "./decode.ts";

export interface StoredSourceMap {
  /** The minified file it belongs to, as frames name it (`~/static/app.min.js`, `/app/dist/server.js`). */
  file: string;
  release: string;
  bytes: number;
  uploadedAt: number;
}

/** Uploads above this are refused: a map of a large app bundle is a few MB. */
export const MAX_SOURCE_MAP_BYTES = 50 * 1024 * 1024;
const PARSED_CACHE = 16;

const hash = (text: string) => new Bun.CryptoHasher("sha256").update(text).digest("hex").slice(0, 32);

/**
 * Source maps per project and release, as files under `<data-dir>/sourcemaps/` (they are large,
 * written once and read when an event is shown). The most recently used parsed maps stay in memory.
 */
export class SourceMapStore {
  private readonly parsed = new Map<string, SourceMap>();

  constructor(private readonly root: string) {}

  private dir(projectId: number, release: string): string {
    return join(this.root, String(projectId), hash(release));
  }

  /** Validates (a parseable v3 map) before anything is written; replaces an earlier upload. */
  async put(projectId: number, release: string, file: string, text: string): Promise<StoredSourceMap> {
    if (text.length > MAX_SOURCE_MAP_BYTES)
      throw new SourceMapError(`larger than ${MAX_SOURCE_MAP_BYTES / 1024 / 1024} MB`);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new SourceMapError("the body is not JSON");
    }
    const map = parseSourceMap(json);
    const dir = this.dir(projectId, release);
    await mkdir(dir, { recursive: true });
    const key = hash(file);
    const meta: StoredSourceMap = { file, release, bytes: text.length, uploadedAt: Date.now() };
    await writeFile(join(dir, `${key}.map`), text);
    await writeFile(join(dir, `${key}.json`), JSON.stringify(meta));
    this.remember(`${projectId}\n${release}\n${file}`, map);
    return meta;
  }

  async get(projectId: number, release: string, file: string): Promise<SourceMap | null> {
    const cacheKey = `${projectId}\n${release}\n${file}`;
    const cached = this.parsed.get(cacheKey);
    if (cached) {
      this.remember(cacheKey, cached);
      return cached;
    }
    let text: string;
    try {
      text = await readFile(join(this.dir(projectId, release), `${hash(file)}.map`), "utf8");
    } catch {
      return null;
    }
    const map = parseSourceMap(JSON.parse(text));
    this.remember(cacheKey, map);
    return map;
  }

  async list(projectId: number, release: string): Promise<StoredSourceMap[]> {
    const dir = this.dir(projectId, release);
    const names = await readdir(dir).catch(() => [] as string[]);
    const metas = await Promise.all(
      names
        .filter((n) => n.endsWith(".json"))
        .map(async (n) => JSON.parse(await readFile(join(dir, n), "utf8"))),
    );
    return (metas as StoredSourceMap[]).sort((a, b) => a.file.localeCompare(b.file));
  }

  /** With the project: its maps go too. */
  async removeProject(projectId: number): Promise<void> {
    await rm(join(this.root, String(projectId)), { recursive: true, force: true });
    for (const key of this.parsed.keys()) if (key.startsWith(`${projectId}\n`)) this.parsed.delete(key);
  }

  private remember(key: string, map: SourceMap): void {
    this.parsed.delete(key);
    this.parsed.set(key, map);
    if (this.parsed.size > PARSED_CACHE) this.parsed.delete(this.parsed.keys().next().value!);
  }
}
