import { readFileSync, readlinkSync } from "node:fs";

/** An address range of this process, [start, end) in bytes. */
export interface PageRange {
  start: number;
  end: number;
}

const MAPPING_HEAD = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) \S+ \S+ \S+\s*(.*)$/;

/**
 * The mappings of the executable whose pages can be handed back to the page cache: read-only
 * (code and constants) and without a single private page. A read-only mapping with private pages
 * was written once (relocations, before it was made read-only): dropping those would lose what was
 * written, so such a mapping is never listed. `smaps` is the text of /proc/self/smaps.
 */
export function droppableExecutableRanges(smaps: string, executable: string): PageRange[] {
  const ranges: PageRange[] = [];
  let current: (PageRange & { candidate: boolean; anonymous: number | null }) | null = null;
  let sawCode = false;
  const finish = () => {
    if (current?.candidate && current.anonymous === 0)
      ranges.push({ start: current.start, end: current.end });
  };
  for (const line of smaps.split("\n")) {
    const head = MAPPING_HEAD.exec(line);
    if (head) {
      finish();
      const path = head[4]!.replace(/ \(deleted\)$/, "");
      const perms = head[3]!;
      if (path === executable && perms === "r-xp") sawCode = true;
      current = {
        start: Number.parseInt(head[1]!, 16),
        end: Number.parseInt(head[2]!, 16),
        candidate: path === executable && (perms === "r-xp" || perms === "r--p"),
        anonymous: null,
      };
      continue;
    }
    if (current && line.startsWith("Anonymous:")) current.anonymous = Number.parseInt(line.slice(10), 10);
  }
  finish();
  // The kernel shows code as r-xp. An emulator (qemu-user running an arm64 pier) shows its own
  // view of the guest's mappings, with code as r--p and no true count of written pages: nothing
  // there is trusted.
  return sawCode ? ranges : [];
}

const MADV_DONTNEED = 4;

/**
 * Unmaps the executable's code and constants from this process, leaving them in the page cache.
 * Starting touches far more of the executable than running does (parsing the configuration,
 * migrations, every module's start), and this kernel maps page-cache folios whole, so after a
 * start most of the executable's resident pages are ones an idle or serving pier no longer reads
 * (docs/performance.md, Startup and footprint). Whatever is still used comes back on its next
 * touch as a minor fault from the page cache, without reading the disk unless the kernel has
 * reclaimed it under memory pressure, which it can now do without unmapping it from pier first.
 * Linux only; elsewhere, or if libc cannot be reached, it does nothing. Returns the bytes unmapped.
 */
export async function dropExecutablePages(): Promise<number> {
  if (process.platform !== "linux") return 0;
  let ranges: PageRange[];
  try {
    ranges = droppableExecutableRanges(
      readFileSync("/proc/self/smaps", "utf8"),
      readlinkSync("/proc/self/exe"),
    );
  } catch {
    return 0;
  }
  if (ranges.length === 0) return 0;
  try {
    const { dlopen, FFIType } = await import("bun:ffi");
    const libc = dlopen("libc.so.6", {
      madvise: { args: [FFIType.u64, FFIType.u64, FFIType.i32], returns: FFIType.i32 },
    });
    let dropped = 0;
    for (const { start, end } of ranges) {
      if (libc.symbols.madvise(start, end - start, MADV_DONTNEED) === 0) dropped += end - start;
    }
    libc.close();
    return dropped;
  } catch {
    return 0;
  }
}
