/**
 * A folder (picked or dropped) or an archive, turned into the tar.gz the upload route takes.
 * Directories pier would never use from an upload (.git, node_modules: the build installs
 * dependencies itself) stay on the user's machine.
 */
import { createTar, normalizeTarPath, type TarFile } from "./tar.ts";

const skippedNames = new Set([".git", "node_modules", ".DS_Store", "Thumbs.db", ".pier-data"]);

/** Whether a path inside the folder stays behind. Pure. */
export function isSkipped(path: string): boolean {
  return path.split("/").some((part) => skippedNames.has(part));
}

/** An archive the route takes as it is. */
export function isArchive(name: string): boolean {
  return /\.(tar\.gz|tgz|tar)$/i.test(name);
}

/**
 * A picked folder's files all start with its name ("site/index.html"): the folder's content is
 * the app, so that first part goes when every path shares it. Pure.
 */
export function stripCommonTop(paths: string[]): string[] {
  const tops = new Set(paths.map((p) => (p.includes("/") ? p.slice(0, p.indexOf("/")) : "")));
  if (tops.size !== 1 || tops.has("")) return paths;
  return paths.map((p) => p.slice(p.indexOf("/") + 1));
}

export interface PickedFile {
  path: string;
  file: File;
}

export interface UploadPlan {
  files: PickedFile[];
  skipped: number;
  bytes: number;
}

/** What will be uploaded of what was picked: skipped paths out, the common top folder stripped. */
export function planUpload(picked: PickedFile[]): UploadPlan {
  const normalized = picked.flatMap((p) => {
    const path = normalizeTarPath(p.path);
    return path ? [{ ...p, path }] : [];
  });
  const kept = normalized.filter((p) => !isSkipped(p.path));
  const paths = stripCommonTop(kept.map((p) => p.path));
  const files = kept.map((p, i) => ({ path: paths[i]!, file: p.file }));
  return {
    files,
    skipped: normalized.length - kept.length,
    bytes: files.reduce((sum, f) => sum + f.file.size, 0),
  };
}

/** Files of an `<input type=file webkitdirectory>` (or a plain multiple one). */
export function pickedFromInput(list: FileList): PickedFile[] {
  return [...list].map((file) => ({ path: file.webkitRelativePath || file.name, file }));
}

async function readDirectory(entry: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = entry.createReader();
  const all: FileSystemEntry[] = [];
  // readEntries hands out a batch at a time (100 in Chromium) until an empty one.
  while (true) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) =>
      reader.readEntries(resolve, reject),
    );
    if (batch.length === 0) return all;
    all.push(...batch);
  }
}

async function walk(entry: FileSystemEntry, out: PickedFile[]): Promise<void> {
  const path = entry.fullPath.replace(/^\//, "");
  if (isSkipped(path)) return;
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) =>
      (entry as FileSystemFileEntry).file(resolve, reject),
    );
    out.push({ path, file });
  } else if (entry.isDirectory) {
    for (const child of await readDirectory(entry as FileSystemDirectoryEntry)) await walk(child, out);
  }
}

/** What was dropped: folders walked (skipped directories not even read), files as they are. */
export async function pickedFromDrop(transfer: DataTransfer): Promise<PickedFile[]> {
  const out: PickedFile[] = [];
  const items = [...transfer.items].filter((item) => item.kind === "file");
  // Entries must be taken before the first await: the DataTransfer is emptied after the event.
  const entries = items.map((item) => ({ entry: item.webkitGetAsEntry?.() ?? null, file: item.getAsFile() }));
  for (const { entry, file } of entries) {
    if (entry) await walk(entry, out);
    else if (file) out.push({ path: file.name, file });
  }
  return out;
}

/** The tar.gz of the planned files. */
export async function gzipTar(plan: UploadPlan): Promise<Blob> {
  const files: TarFile[] = [];
  for (const { path, file } of plan.files) {
    files.push({
      path,
      data: new Uint8Array(await file.arrayBuffer()),
      mtime: Math.floor(file.lastModified / 1000),
    });
  }
  const tar = createTar(files);
  const stream = new Blob([tar as BlobPart]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Response(stream).blob();
}
