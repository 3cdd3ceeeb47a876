/**
 * Archive file names: `pier-backup-20260102T030000Z.tar.gz`, `.tar.gz.enc` when encrypted. The
 * time is UTC and sorts as text, so listing and pruning need nothing but names; nothing else in a
 * target is ever touched.
 */
const pattern = /^pier-backup-(\d{8}T\d{6}(?:\d{3})?Z)\.tar\.gz(\.enc)?$/;

export function archiveName(createdAt: Date, encrypted: boolean): string {
  const stamp = createdAt
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.(\d{3})Z$/, "$1Z");
  return `pier-backup-${stamp}.tar.gz${encrypted ? ".enc" : ""}`;
}

export interface ArchiveNameInfo {
  name: string;
  createdAt: Date;
  encrypted: boolean;
}

export function parseArchiveName(name: string): ArchiveNameInfo | null {
  const match = pattern.exec(name);
  if (!match) return null;
  const s = match[1]!;
  const iso = `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(9, 11)}:${s.slice(11, 13)}:${s.slice(13, 15)}.${s.length > 16 ? s.slice(15, 18) : "000"}Z`;
  const createdAt = new Date(iso);
  if (Number.isNaN(createdAt.getTime())) return null;
  return { name, createdAt, encrypted: match[2] !== undefined };
}

/** The archives prune removes so that the `keep` newest remain. Pure; names that are not archives stay. */
export function selectPrunable(names: string[], keep: number): string[] {
  const archives = names
    .map(parseArchiveName)
    .filter((a): a is ArchiveNameInfo => a !== null)
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.name < b.name ? 1 : -1));
  return archives.slice(Math.max(0, keep)).map((a) => a.name);
}
