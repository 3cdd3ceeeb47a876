import { mkdir, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { BackupTargetError } from "../errors.ts";
import { parseArchiveName } from "../format/archive-name.ts";
import { chunksOf } from "../format/byte-reader.ts";
import { type BackupTarget, type StoredArchive, sortNewestFirst } from "./target.ts";

/** A directory. An archive is written as `.NAME.partial` and renamed once complete. */
export function localTarget(dir: string): BackupTarget {
  const root = resolve(dir);
  const createRoot = () =>
    mkdir(root, { recursive: true, mode: 0o700 }).catch((error: Error) => {
      throw new BackupTargetError(`cannot create ${root}: ${error.message}`);
    });
  return {
    location: root,
    async list() {
      const names = await readdir(root).catch((error: NodeJS.ErrnoException) => {
        if (error.code === "ENOENT") return [] as string[];
        throw new BackupTargetError(`cannot read ${root}: ${error.message}`);
      });
      const archives: StoredArchive[] = [];
      for (const name of names) {
        const info = parseArchiveName(name);
        if (!info) continue;
        const size = await stat(join(root, name)).then(
          (s) => s.size,
          () => null,
        );
        if (size !== null) archives.push({ ...info, size });
      }
      return sortNewestFirst(archives);
    },
    async prepare() {
      await createRoot();
      const probe = join(root, `.pier-write-check-${process.pid}`);
      await writeFile(probe, "", { mode: 0o600 }).catch((error: Error) => {
        throw new BackupTargetError(`cannot write in ${root}: ${error.message}`);
      });
      await rm(probe, { force: true });
    },
    async write(name, data) {
      await createRoot();
      const final = join(root, name);
      const partial = join(root, `.${name}.partial`);
      // An archive holds every secret pier keeps: readable by its owner only, from the first byte.
      await writeFile(partial, "", { mode: 0o600 });
      const writer = Bun.file(partial).writer();
      let bytes = 0;
      try {
        for await (const chunk of chunksOf(data)) {
          bytes += chunk.length;
          await writer.write(chunk);
        }
        await writer.end();
        await rename(partial, final);
      } catch (error) {
        await Promise.resolve(writer.end()).catch(() => {});
        await rm(partial, { force: true });
        throw error;
      }
      return { bytes, location: final };
    },
    async read(name) {
      const file = Bun.file(join(root, name));
      if (!(await file.exists())) throw new BackupTargetError(`${join(root, name)} does not exist`);
      return file.stream();
    },
    async remove(name) {
      await rm(join(root, name), { force: true });
    },
  };
}
