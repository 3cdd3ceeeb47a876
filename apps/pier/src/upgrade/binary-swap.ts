import {
  accessSync,
  chmodSync,
  constants,
  copyFileSync,
  existsSync,
  linkSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { PierError } from "@pier/core";

/**
 * Replacing the pier binary without a moment where it is missing or half written: the new one is
 * written beside it, the current one is kept as `pier.previous` (a hard link renamed over it),
 * and the new one is renamed over `pier`; each rename is atomic within the directory. A running
 * pier keeps its open file. A rollback swaps `pier` and `pier.previous` the same way.
 */

export class BinaryReplaceError extends PierError {
  constructor(message: string) {
    super("binary_replace_failed", message, 500);
  }
}

export type SwapStep =
  | { op: "write"; path: string }
  | { op: "link"; from: string; to: string }
  | { op: "rename"; from: string; to: string }
  | { op: "remove"; path: string };

export interface SwapPaths {
  binary: string;
  previous: string;
  dir: string;
}

export function swapPaths(binary: string): SwapPaths {
  return { binary, previous: `${binary}.previous`, dir: dirname(binary) };
}

function temporary(paths: SwapPaths, what: string, nonce: string): string {
  return join(paths.dir, `.${basename(paths.binary)}.${what}-${nonce}`);
}

/**
 * Installs a new binary: `steps` put it in place and keep the current one as pier.previous, with
 * the pier.previous of before (`hadPrevious`) kept aside; `undo` puts both back as they were (a
 * hand-over to the new one failed); `done` removes what was kept aside once it serves. Pure.
 */
export function installPlan(
  paths: SwapPaths,
  nonce: string,
  hadPrevious: boolean,
): { steps: SwapStep[]; undo: SwapStep[]; done: SwapStep[] } {
  const staged = temporary(paths, "new", nonce);
  const kept = temporary(paths, "keep", nonce);
  const restored = temporary(paths, "restore", nonce);
  const saved = temporary(paths, "saved", nonce);
  return {
    steps: [
      { op: "write", path: staged },
      ...(hadPrevious ? [{ op: "link" as const, from: paths.previous, to: saved }] : []),
      { op: "link", from: paths.binary, to: kept },
      { op: "rename", from: kept, to: paths.previous },
      { op: "rename", from: staged, to: paths.binary },
    ],
    undo: [
      { op: "link", from: paths.previous, to: restored },
      { op: "rename", from: restored, to: paths.binary },
      hadPrevious
        ? { op: "rename", from: saved, to: paths.previous }
        : { op: "remove", path: paths.previous },
    ],
    done: hadPrevious ? [{ op: "remove", path: saved }] : [],
  };
}

/** Swaps pier and pier.previous; running it again swaps them back. Pure. */
export function rollbackPlan(paths: SwapPaths, nonce: string): SwapStep[] {
  const kept = temporary(paths, "keep", nonce);
  return [
    { op: "link", from: paths.binary, to: kept },
    { op: "rename", from: paths.previous, to: paths.binary },
    { op: "rename", from: kept, to: paths.previous },
  ];
}

/** Refuses early, with what to do, when the directory cannot be written. */
export function assertReplaceable(paths: SwapPaths): void {
  if (!existsSync(paths.binary)) throw new BinaryReplaceError(`${paths.binary} does not exist`);
  try {
    accessSync(paths.dir, constants.W_OK);
  } catch {
    throw new BinaryReplaceError(
      `cannot write to ${paths.dir}: run pier upgrade with sudo, or as the user that owns ${paths.binary}`,
    );
  }
}

/** Runs the steps in order; `content` is what a `write` step writes. Temporary files go on failure. */
export function applySwap(steps: SwapStep[], content?: Uint8Array): void {
  const made: string[] = [];
  try {
    for (const step of steps) {
      if (step.op === "write") {
        if (!content) throw new BinaryReplaceError("nothing to write");
        writeFileSync(step.path, content, { mode: 0o755 });
        chmodSync(step.path, 0o755);
        made.push(step.path);
      } else if (step.op === "link") {
        rmSync(step.to, { force: true });
        try {
          linkSync(step.from, step.to);
        } catch {
          // A file system without hard links: a copy serves as well.
          copyFileSync(step.from, step.to);
          chmodSync(step.to, 0o755);
        }
        made.push(step.to);
      } else if (step.op === "remove") {
        rmSync(step.path, { force: true });
      } else {
        renameSync(step.from, step.to);
        // Renaming a file over another link to the same file does nothing and leaves both names
        // (pier and pier.previous are one file after an undo): a temporary name must still go.
        if (basename(step.from).startsWith(".")) rmSync(step.from, { force: true });
      }
    }
  } catch (error) {
    for (const path of made) rmSync(path, { force: true });
    if (error instanceof BinaryReplaceError) throw error;
    throw new BinaryReplaceError(`replacing the binary failed: ${(error as Error).message}`);
  }
}
