export interface SmtpReply {
  code: number;
  lines: string[];
}

/**
 * Collects bytes from the server into complete replies. A reply is one or more lines
 * "250-..." ending with "250 ..." (RFC 5321 §4.2.1); partial lines wait for the next chunk.
 */
export class ReplyReader {
  private buffer = "";
  private current: string[] = [];
  private readonly replies: SmtpReply[] = [];
  private waiting: ((reply: SmtpReply) => void) | undefined;
  private failure: Error | undefined;
  private failWaiting: ((error: Error) => void) | undefined;

  push(chunk: string): void {
    this.buffer += chunk;
    let newline = this.buffer.indexOf("\n");
    while (newline >= 0) {
      const line = this.buffer.slice(0, newline).replace(/\r$/, "");
      this.buffer = this.buffer.slice(newline + 1);
      this.line(line);
      newline = this.buffer.indexOf("\n");
    }
  }

  private line(line: string): void {
    const match = /^(\d{3})([ -])?(.*)$/.exec(line);
    if (!match) {
      this.fail(new Error(`SMTP server sent a malformed line: ${JSON.stringify(line.slice(0, 100))}`));
      return;
    }
    this.current.push(match[3] ?? "");
    if (match[2] === "-") return;
    const reply = { code: Number(match[1]), lines: this.current };
    this.current = [];
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      this.failWaiting = undefined;
      resolve(reply);
    } else {
      this.replies.push(reply);
    }
  }

  fail(error: Error): void {
    this.failure ??= error;
    const reject = this.failWaiting;
    this.waiting = undefined;
    this.failWaiting = undefined;
    reject?.(error);
  }

  /** Drops half-read input: after STARTTLS the plaintext buffer must not leak into the TLS session. */
  reset(): void {
    this.buffer = "";
    this.current = [];
    this.replies.length = 0;
  }

  next(): Promise<SmtpReply> {
    const queued = this.replies.shift();
    if (queued) return Promise.resolve(queued);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting = resolve;
      this.failWaiting = reject;
    });
  }
}
