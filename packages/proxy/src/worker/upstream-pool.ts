import type { Socket } from "bun";
import type { UpstreamTarget } from "../shared/route-table.ts";

/**
 * Keep-alive TCP connections to one upstream origin, owned by one worker thread. The pool only
 * moves bytes: framing is the owner's job (the front connection parses just enough of each
 * response to know where it ends and hands the socket back).
 */

/** What an upstream socket reports to the front connection currently using it. */
export interface UpstreamOwner {
  upstreamOpen(conn: UpstreamConn): void;
  upstreamData(conn: UpstreamConn, chunk: Buffer): void;
  upstreamDrain(conn: UpstreamConn): void;
  upstreamClose(conn: UpstreamConn): void;
  upstreamConnectError(conn: UpstreamConn, err: Error): void;
}

const MAX_IDLE_PER_UPSTREAM = 512;

export class UpstreamConn {
  socket: Socket<UpstreamConn> | null = null;
  owner: UpstreamOwner | null;
  /** Writes issued before the socket opened or while it pushed back. */
  queue: Uint8Array[] | null = null;
  /** The socket already carried a complete exchange, so a close before any byte means it went stale. */
  reused = false;
  closed = false;
  /** Counted in its pool's `busy`: owned by an exchange from acquire until release or close. */
  busy = false;
  /** Reading stopped because the client could not take more (FrontConnection's backpressure). */
  paused = false;

  constructor(
    readonly pool: UpstreamPool,
    owner: UpstreamOwner,
  ) {
    this.owner = owner;
  }

  /** Writes or queues; false when bytes are waiting (the caller should pause its source). */
  write(data: Uint8Array): boolean {
    if (this.queue !== null || this.socket === null) {
      this.enqueue(data);
      return false;
    }
    const written = this.socket.write(data);
    if (written >= data.byteLength) return true;
    this.queue = [data.subarray(Math.max(written, 0))];
    return false;
  }

  /**
   * Writes data[0, length) from a buffer the caller reuses: whatever is not sent at once is copied
   * into the queue. False when bytes are waiting, as for write().
   */
  writeCopy(data: Buffer, length: number): boolean {
    if (this.queue !== null || this.socket === null) {
      this.enqueue(Buffer.from(data.subarray(0, length)));
      return false;
    }
    const written = this.socket.write(data, 0, length);
    if (written >= length) return true;
    this.queue = [Buffer.from(data.subarray(Math.max(written, 0), length))];
    return false;
  }

  private enqueue(bytes: Uint8Array): void {
    if (this.queue === null) this.queue = [bytes];
    else this.queue.push(bytes);
  }

  /** Writes what was queued; true when the queue is empty. */
  flush(): boolean {
    const socket = this.socket;
    const queue = this.queue;
    if (socket === null || queue === null) return queue === null;
    while (queue.length > 0) {
      const head = queue[0]!;
      const written = socket.write(head);
      if (written < head.byteLength) {
        queue[0] = head.subarray(Math.max(written, 0));
        return false;
      }
      queue.shift();
    }
    this.queue = null;
    return true;
  }

  /** Drops the socket without reuse (mid-exchange abort). */
  terminate(): void {
    this.owner = null;
    this.closed = true;
    this.pool.settle(this);
    this.pool.forget(this);
    const s = this.socket;
    this.socket = null;
    s?.terminate();
  }

  pause(): void {
    this.paused = true;
    this.socket?.pause();
  }

  resume(): void {
    this.paused = false;
    this.socket?.resume();
  }
}

const handlers = {
  open(socket: Socket<UpstreamConn>) {
    const conn = socket.data;
    if (conn.closed) {
      // Given up on (timeout) while connecting.
      socket.terminate();
      return;
    }
    conn.socket = socket;
    socket.setNoDelay(true);
    conn.flush();
    conn.owner?.upstreamOpen(conn);
  },
  data(socket: Socket<UpstreamConn>, chunk: Buffer) {
    const conn = socket.data;
    if (conn.owner === null) {
      // Bytes on an idle keep-alive socket mean the upstream broke framing: drop the socket.
      conn.pool.forget(conn);
      socket.terminate();
      return;
    }
    conn.owner.upstreamData(conn, chunk);
  },
  drain(socket: Socket<UpstreamConn>) {
    const conn = socket.data;
    if (conn.flush()) conn.owner?.upstreamDrain(conn);
  },
  close(socket: Socket<UpstreamConn>) {
    onClose(socket.data);
  },
  error(socket: Socket<UpstreamConn>) {
    onClose(socket.data);
  },
  connectError(socket: Socket<UpstreamConn>, err: Error) {
    const conn = socket.data;
    conn.closed = true;
    conn.pool.settle(conn);
    const owner = conn.owner;
    conn.owner = null;
    owner?.upstreamConnectError(conn, err);
  },
};

function onClose(conn: UpstreamConn): void {
  if (conn.closed) return;
  conn.closed = true;
  conn.socket = null;
  conn.pool.settle(conn);
  const owner = conn.owner;
  if (owner === null) {
    conn.pool.forget(conn);
    return;
  }
  conn.owner = null;
  owner.upstreamClose(conn);
}

export class UpstreamPool {
  private readonly idle: UpstreamConn[] = [];
  /**
   * Exchanges in flight to this origin (including WebSocket tunnels): what a deploy's drain waits
   * for before it stops an old replica.
   */
  busy = 0;

  constructor(readonly target: UpstreamTarget) {}

  /** An idle keep-alive connection, or a new one (writes queue until it opens). */
  acquire(owner: UpstreamOwner): UpstreamConn {
    const idle = this.idle;
    while (idle.length > 0) {
      const conn = idle.pop()!;
      if (conn.socket !== null && !conn.closed) {
        conn.owner = owner;
        conn.busy = true;
        this.busy++;
        return conn;
      }
    }
    return this.connect(owner);
  }

  /** Always a new connection: for upgrades, which keep the socket for good. */
  connect(owner: UpstreamOwner): UpstreamConn {
    const conn = new UpstreamConn(this, owner);
    conn.busy = true;
    this.busy++;
    Bun.connect<UpstreamConn>({
      hostname: this.target.hostname,
      port: this.target.port,
      data: conn,
      socket: handlers,
    }).catch((err: Error) => {
      if (conn.closed) return;
      handlers.connectError({ data: conn } as Socket<UpstreamConn>, err);
    });
    return conn;
  }

  /** Back to the idle list after a complete exchange. */
  release(conn: UpstreamConn): void {
    conn.owner = null;
    this.settle(conn);
    if (conn.socket === null || conn.closed || conn.queue !== null) return;
    if (this.idle.length >= MAX_IDLE_PER_UPSTREAM) {
      conn.closed = true;
      conn.socket.end();
      return;
    }
    // An answer can end while its last bytes wait for a slow client, with this socket still
    // paused: reading resumes here, or the next exchange on it would never see its answer.
    if (conn.paused) conn.resume();
    conn.reused = true;
    this.idle.push(conn);
  }

  /** The exchange on `conn` is over (released, closed or failed); counted once. */
  settle(conn: UpstreamConn): void {
    if (!conn.busy) return;
    conn.busy = false;
    this.busy--;
  }

  forget(conn: UpstreamConn): void {
    const i = this.idle.indexOf(conn);
    if (i !== -1) this.idle.splice(i, 1);
  }
}
