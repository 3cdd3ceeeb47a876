/**
 * sd_notify(3) without libsystemd: one datagram to $NOTIFY_SOCKET (a path, or an abstract socket
 * when it starts with "@"), through libc over bun:ffi because Bun has no unix datagram sockets.
 * Linux only; elsewhere, or without NOTIFY_SOCKET (not under systemd, or the unit lets nobody
 * notify), it does nothing and says so by returning false.
 */

const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000;
const MSG_NOSIGNAL = 0x4000;
const SUN_PATH_MAX = 108;

/** The sockaddr_un bytes for a NOTIFY_SOCKET value, and their length. Pure. */
export function notifySocketAddress(socket: string): { address: Uint8Array; length: number } | undefined {
  if (!socket.startsWith("/") && !socket.startsWith("@")) return undefined;
  const path = Buffer.from(socket, "utf8");
  if (path.length >= SUN_PATH_MAX) return undefined;
  const address = new Uint8Array(2 + SUN_PATH_MAX);
  new DataView(address.buffer).setUint16(0, AF_UNIX, true);
  address.set(path, 2);
  // An abstract name starts with a NUL byte and its length is exact; a path is NUL-terminated.
  if (socket.startsWith("@")) {
    address[2] = 0;
    return { address, length: 2 + path.length };
  }
  return { address, length: 2 + path.length + 1 };
}

export async function sdNotify(state: string, env = process.env): Promise<boolean> {
  const socket = env.NOTIFY_SOCKET;
  if (process.platform !== "linux" || !socket) return false;
  const target = notifySocketAddress(socket);
  if (!target) return false;
  const { dlopen, FFIType, ptr } = await import("bun:ffi");
  const libc = dlopen("libc.so.6", {
    socket: { args: [FFIType.i32, FFIType.i32, FFIType.i32], returns: FFIType.i32 },
    sendto: {
      args: [FFIType.i32, FFIType.ptr, FFIType.u64, FFIType.i32, FFIType.ptr, FFIType.u32],
      returns: FFIType.i64,
    },
    close: { args: [FFIType.i32], returns: FFIType.i32 },
  });
  try {
    const fd = libc.symbols.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    try {
      const message = Buffer.from(state, "utf8");
      const sent = libc.symbols.sendto(
        fd,
        ptr(message),
        message.length,
        MSG_NOSIGNAL,
        ptr(target.address),
        target.length,
      );
      return Number(sent) === message.length;
    } finally {
      libc.symbols.close(fd);
    }
  } finally {
    libc.close();
  }
}
