import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/**
 * The console is a Bun.serve, which cannot listen on an inherited fd, so during a hand-over the
 * successor binds the console port beside the predecessor (both with SO_REUSEPORT). Closing a
 * reuseport listener resets the connections queued on it, so before the predecessor closes its
 * own, the successor attaches a classic BPF program to the port's reuseport group that sends
 * every new connection to the group's second socket, its own (SO_ATTACH_REUSEPORT_CBPF; sockets
 * are numbered in the order they joined, and the predecessor's joined first). The predecessor
 * then only accepts what was already on its way and can close without resetting anything. Once
 * it is gone the successor detaches the program. Linux only (bun:ffi to libc's setsockopt);
 * elsewhere the console is handed over by closing, which can reset a connection in the instant
 * it takes (docs/architecture.md, Upgrades).
 */

const SOL_SOCKET = 1;
const SO_ATTACH_REUSEPORT_CBPF = 51;
const SO_DETACH_REUSEPORT_BPF = 68;
const TCP_LISTEN = "0A";

/** Inodes of the sockets listening on `port` in /proc/net/tcp and tcp6 text. Pure. */
export function listeningInodes(tables: string[], port: number): Set<string> {
  const inodes = new Set<string>();
  for (const table of tables) {
    for (const line of table.split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10 || fields[3] !== TCP_LISTEN) continue;
      const localPort = Number.parseInt(fields[1]!.split(":").at(-1)!, 16);
      if (localPort === port) inodes.add(fields[9]!);
    }
  }
  return inodes;
}

/** This process's fd of the socket listening on `port`, found through /proc. */
export function ownListeningFd(port: number): number | undefined {
  const tables: string[] = [];
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    try {
      tables.push(readFileSync(file, "utf8"));
    } catch {
      // no IPv6, or no /proc: what is there is enough
    }
  }
  const inodes = listeningInodes(tables, port);
  if (inodes.size === 0) return undefined;
  for (const name of readdirSync("/proc/self/fd")) {
    let link: string;
    try {
      link = readlinkSync(`/proc/self/fd/${name}`);
    } catch {
      continue;
    }
    const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
    if (inode !== undefined && inodes.has(inode)) return Number(name);
  }
  return undefined;
}

/** `return index` as one classic BPF instruction (BPF_RET | BPF_K), and the sock_fprog pointing at it. */
function returnConstantProgram(index: number, ptr: (view: Uint8Array) => number) {
  const filter = new Uint8Array(8);
  const instruction = new DataView(filter.buffer);
  instruction.setUint16(0, 0x06, true);
  instruction.setUint32(4, index, true);
  const program = new Uint8Array(16);
  const fprog = new DataView(program.buffer);
  fprog.setUint16(0, 1, true);
  fprog.setBigUint64(8, BigInt(ptr(filter)), true);
  return { filter, program };
}

export interface ConsoleSteering {
  /** Lets the reuseport group choose again (the predecessor is gone). */
  release(): Promise<void>;
}

/**
 * Sends new connections on the console port to this process's socket, the second of the group.
 * Null (and nothing changed) when that is not possible here: not Linux, the socket not found, or
 * the kernel refused.
 */
export async function steerConsoleHere(port: number): Promise<ConsoleSteering | null> {
  if (process.platform !== "linux") return null;
  const fd = ownListeningFd(port);
  if (fd === undefined) return null;
  const { dlopen, FFIType, ptr } = await import("bun:ffi");
  const libc = dlopen("libc.so.6", {
    setsockopt: {
      args: [FFIType.i32, FFIType.i32, FFIType.i32, FFIType.ptr, FFIType.u32],
      returns: FFIType.i32,
    },
  });
  const { filter, program } = returnConstantProgram(1, (view) => ptr(view));
  const attached = libc.symbols.setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, ptr(program), 16);
  // The kernel copied the program; `filter` must only outlive the call.
  void filter;
  if (attached !== 0) {
    libc.close();
    return null;
  }
  return {
    async release() {
      const none = new Uint8Array(4);
      libc.symbols.setsockopt(fd, SOL_SOCKET, SO_DETACH_REUSEPORT_BPF, ptr(none), 4);
      libc.close();
    },
  };
}
