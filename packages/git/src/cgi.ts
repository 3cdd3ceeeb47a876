import { GitServiceError } from "./errors.ts";

const maxHeaderBytes = 64 * 1024;

/**
 * Turns a CGI program's stdout (`Status:` and other headers, a blank line, then the body) into a
 * streaming Response: the body is passed through as it is produced, which is what lets git's
 * sideband progress reach the client live.
 */
export async function cgiResponse(stdout: ReadableStream<Uint8Array>): Promise<Response> {
  const reader = stdout.getReader();
  let head = new Uint8Array(0);
  let split: { headerEnd: number; bodyStart: number } | null = null;
  while (!split) {
    const { value, done } = await reader.read();
    if (done) break;
    const joined = new Uint8Array(head.length + value.length);
    joined.set(head);
    joined.set(value, head.length);
    head = joined;
    split = findHeaderEnd(head);
    if (!split && head.length > maxHeaderBytes)
      throw new GitServiceError("CGI_BAD_RESPONSE", "CGI headers too large");
  }
  if (!split) {
    if (head.length === 0)
      throw new GitServiceError("CGI_NO_RESPONSE", "git http-backend produced no output");
    throw new GitServiceError("CGI_BAD_RESPONSE", "git http-backend output has no header terminator");
  }
  const headerText = new TextDecoder().decode(head.subarray(0, split.headerEnd));
  const headers = new Headers();
  let status = 200;
  let statusText = "OK";
  for (const line of headerText.split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === "status") {
      const match = /^(\d{3})\s*(.*)$/.exec(value);
      if (match) {
        status = Number(match[1]);
        statusText = match[2] || statusText;
      }
    } else {
      headers.append(name, value);
    }
  }
  const rest = head.subarray(split.bodyStart);
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      if (rest.length) controller.enqueue(rest.slice());
    },
    async pull(controller) {
      const { value, done } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  const bodyless = status === 204 || status === 304;
  return new Response(bodyless ? null : body, { status, statusText, headers });
}

function findHeaderEnd(buf: Uint8Array): { headerEnd: number; bodyStart: number } | null {
  for (let i = 0; i < buf.length - 1; i++) {
    if (buf[i] === 10 && buf[i + 1] === 10) return { headerEnd: i, bodyStart: i + 2 };
    if (buf[i] === 13 && buf[i + 1] === 10 && buf[i + 2] === 13 && buf[i + 3] === 10) {
      return { headerEnd: i, bodyStart: i + 4 };
    }
  }
  return null;
}
