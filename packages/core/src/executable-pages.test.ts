import { describe, expect, test } from "bun:test";
import { readFileSync, readlinkSync } from "node:fs";
import { dropExecutablePages, droppableExecutableRanges } from "./executable-pages.ts";

const EXE = "/opt/pier/pier";
const mapping = (range: string, perms: string, path: string, anonymous: number) =>
  `${range} ${perms} 00000000 fe:00 4564196                            ${path}\nRss:                3572 kB\nAnonymous:          ${anonymous} kB\nVmFlags: rd mr mw me\n`;

describe("droppableExecutableRanges", () => {
  test("code and constants of the executable, never a mapping with written pages or another file", () => {
    const smaps = [
      mapping("00200000-01a38000", "r--p", EXE, 0),
      mapping("01a40000-06836000", "r-xp", EXE, 0),
      mapping("06836000-0684a000", "rw-p", EXE, 68),
      mapping("0684a000-06852000", "r--p", EXE, 12), // relocations written before it became read-only
      mapping("06852000-07f80000", "rw-p", EXE, 0),
      mapping("7f0000000000-7f0000100000", "r-xp", "/usr/lib/x86_64-linux-gnu/libc.so.6", 0),
      mapping("7f0000200000-7f0000300000", "rw-p", "", 1024),
    ].join("");
    expect(droppableExecutableRanges(smaps, EXE)).toEqual([
      { start: 0x200000, end: 0x1a38000 },
      { start: 0x1a40000, end: 0x6836000 },
    ]);
  });

  test("an executable replaced on disk (an upgrade) is still the one mapped", () => {
    const smaps = mapping("01a40000-06836000", "r-xp", `${EXE} (deleted)`, 0);
    expect(droppableExecutableRanges(smaps, EXE)).toEqual([{ start: 0x1a40000, end: 0x6836000 }]);
  });

  test("no code mapping (qemu-user's emulated view): nothing is trusted", () => {
    const smaps = [
      mapping("00200000-0180f000", "r--p", EXE, 0),
      mapping("01823000-06823000", "r--p", EXE, 0),
    ].join("");
    expect(droppableExecutableRanges(smaps, EXE)).toEqual([]);
  });
});

/** Resident kB of this process's mappings of its executable. */
function executableRss(): number {
  const exe = readlinkSync("/proc/self/exe");
  let inExe = false;
  let kb = 0;
  for (const line of readFileSync("/proc/self/smaps", "utf8").split("\n")) {
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) inExe = line.endsWith(exe);
    else if (inExe && line.startsWith("Rss:")) kb += Number.parseInt(line.slice(4), 10);
  }
  return kb;
}

describe.skipIf(process.platform !== "linux")("dropExecutablePages", () => {
  test("unmaps the runtime's code from this process, which goes on running it", async () => {
    const before = executableRss();
    const dropped = await dropExecutablePages();
    const after = executableRss();
    expect(dropped).toBeGreaterThan(1024 * 1024);
    expect(after).toBeLessThan(before);
    // Code and constants come back from the page cache when used again.
    const work = await Promise.all([1, 2, 3].map(async (n) => JSON.parse(JSON.stringify({ n })).n * 2));
    expect(work).toEqual([2, 4, 6]);
    expect(new TextDecoder().decode(await new Response("still here").arrayBuffer())).toBe("still here");
  });
});
