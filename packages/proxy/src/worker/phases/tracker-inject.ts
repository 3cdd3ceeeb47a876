import { injectTrackerTag, shouldInject } from "../../shared/edge/tracker-tag.ts";
import { forwardedHeadLines, type ResponseHead, responseHeadText } from "../response-parser.ts";

/**
 * Analytics auto-injection (routes with `injectTracker`): a 200 `text/html` answer to a GET, not
 * compressed and framed by a Content-Length up to this cap, is buffered whole, gets the tracker tag
 * and a new Content-Length. Anything else (streamed, chunked, compressed, larger) passes untouched,
 * so injection never delays or holds a streaming response.
 */
export const INJECT_MAX_BYTES = 512 * 1024;

/** Whether to buffer this response for injection (framing is checked by the caller). */
export function wantsInjection(head: ResponseHead): boolean {
  if (head.status !== 200 || head.chunked || head.contentLength < 0 || head.contentLength > INJECT_MAX_BYTES)
    return false;
  const headers = new Headers();
  const text = responseHeadText(head);
  let pos = text.indexOf("\r\n") + 2;
  while (pos < text.length) {
    const next = text.indexOf("\r\n", pos);
    const colon = text.indexOf(":", pos);
    const name = text.slice(pos, colon).toLowerCase();
    if (name === "content-type" || name === "content-encoding")
      headers.set(name, text.slice(colon + 1, next).trim());
    pos = next + 2;
  }
  return shouldInject(head.status, headers);
}

/**
 * The whole response with the tag added. Latin1 both ways keeps every byte of any charset as it
 * was: the markers searched for and the tag are ASCII.
 */
export function injectedResponse(head: ResponseHead, body: Buffer, closeClient: boolean): Buffer {
  const html = injectTrackerTag(body.toString("latin1"));
  const out = Buffer.from(html, "latin1");
  let lines = forwardedHeadLines(head, "content-length");
  lines += `content-length: ${out.length}\r\n`;
  if (closeClient) lines += "connection: close\r\n";
  return Buffer.concat([Buffer.from(`${lines}\r\n`, "latin1"), out]);
}
