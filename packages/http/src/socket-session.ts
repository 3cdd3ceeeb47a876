import type { ServerWebSocket, WebSocketHandler } from "bun";

/**
 * A WebSocket of the console: the handler that upgraded the request hands its own session as the
 * socket's data, and the console's one `websocket` handler (Bun.serve has one per server) passes
 * every event to it. So a route upgrades with `server.upgrade(request, { data: session })` and
 * nothing else needs to know it exists.
 */
export interface SocketSession {
  open?(ws: ServerWebSocket<SocketSession>): void;
  message(ws: ServerWebSocket<SocketSession>, data: string | Buffer): void;
  close?(ws: ServerWebSocket<SocketSession>, code: number, reason: string): void;
  drain?(ws: ServerWebSocket<SocketSession>): void;
}

export const socketSessions: WebSocketHandler<SocketSession> = {
  open: (ws) => ws.data.open?.(ws),
  message: (ws, data) => ws.data.message(ws, data),
  close: (ws, code, reason) => ws.data.close?.(ws, code, reason),
  drain: (ws) => ws.data.drain?.(ws),
};
