import type Docker from "dockerode";

/**
 * Splits the Engine's multiplexed log stream (8-byte frame headers: stream, 3 zero bytes, length)
 * into lines. A service started without a TTY always gets the multiplexed form. Pure.
 */
export function demultiplexLogLines(raw: Uint8Array): string[] {
  const lines: string[] = [];
  const decoder = new TextDecoder();
  let text = "";
  let offset = 0;
  const framed = raw.length >= 8 && raw[0]! <= 2 && raw[1] === 0 && raw[2] === 0 && raw[3] === 0;
  if (!framed) text = decoder.decode(raw);
  while (framed && offset + 8 <= raw.length) {
    const size =
      ((raw[offset + 4]! << 24) | (raw[offset + 5]! << 16) | (raw[offset + 6]! << 8) | raw[offset + 7]!) >>>
      0;
    text += decoder.decode(raw.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  for (const line of text.split("\n")) if (line.trim() !== "") lines.push(line.replace(/\r$/, ""));
  return lines;
}

/** The last lines every task of a service wrote (Swarm collects them from the nodes). */
export async function tailServiceLogs(docker: Docker, service: string, lines: number): Promise<string[]> {
  const raw = (await docker.getService(service).logs({
    stdout: true,
    stderr: true,
    tail: lines,
    follow: false,
  } as never)) as unknown as Uint8Array;
  return demultiplexLogLines(raw).slice(-lines);
}
