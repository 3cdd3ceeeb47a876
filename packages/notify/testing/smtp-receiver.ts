import { type AddressInfo, createServer, type Server, type Socket } from "node:net";
import { createServer as createTlsServer, TLSSocket } from "node:tls";

export interface ReceivedMail {
  from: string;
  to: string[];
  data: string;
  /** `user:password` when the client authenticated. */
  auth?: string;
  /** The decoded text/plain body. */
  text: string;
  subject: string;
  /** Whether the message arrived over TLS (implicit or STARTTLS). */
  secure: boolean;
}

export interface SmtpReceiver {
  port: number;
  messages: ReceivedMail[];
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  stop(): void;
}

export interface SmtpReceiverOptions {
  /** Implicit TLS from the first byte (port 465 style). */
  tls?: { cert: string; key: string };
  /** Offer STARTTLS with this certificate. */
  starttls?: { cert: string; key: string };
  rejectRcpt?: boolean;
}

function decodeSubject(raw: string): string {
  return raw.replace(/=\?UTF-8\?B\?([^?]+)\?=/gi, (_, b64: string) =>
    Buffer.from(b64, "base64").toString("utf8"),
  );
}

/**
 * A minimal SMTP server for tests: accepts everything, keeps messages in memory. Built on node:net
 * and node:tls because STARTTLS needs a server-side TLS upgrade of a live socket.
 */
export async function startSmtpReceiver(options: SmtpReceiverOptions = {}): Promise<SmtpReceiver> {
  const messages: ReceivedMail[] = [];
  const waiters: (() => void)[] = [];
  const onConnection = (raw: Socket) => {
    let socket: Socket = raw;
    let secure = Boolean(options.tls);
    let buffer = "";
    let inData = false;
    let authStep: "login-user" | "login-pass" | undefined;
    let user = "";
    let mail: { from: string; to: string[]; auth?: string } = { from: "", to: [] };
    const reply = (line: string) => socket.write(`${line}\r\n`);
    const handleLine = (line: string) => {
      if (authStep === "login-user") {
        user = Buffer.from(line, "base64").toString();
        authStep = "login-pass";
        return reply("334 UGFzc3dvcmQ6");
      }
      if (authStep === "login-pass") {
        mail.auth = `${user}:${Buffer.from(line, "base64").toString()}`;
        authStep = undefined;
        return reply("235 2.7.0 Authentication successful");
      }
      const verb = line.split(" ")[0]!.toUpperCase();
      if (verb === "EHLO" || verb === "HELO") {
        const starttls = options.starttls && !secure ? "250-STARTTLS\r\n" : "";
        return reply(`250-test.local\r\n${starttls}250-AUTH PLAIN LOGIN\r\n250 8BITMIME`);
      }
      if (verb === "STARTTLS" && options.starttls && !secure) {
        reply("220 2.0.0 Ready to start TLS");
        raw.removeListener("data", onData);
        socket = new TLSSocket(raw, { isServer: true, ...options.starttls });
        socket.on("data", onData);
        socket.on("error", () => {});
        secure = true;
        buffer = "";
        return;
      }
      if (verb === "AUTH") {
        const [, mech, arg] = line.split(" ");
        if (mech?.toUpperCase() === "LOGIN") {
          authStep = "login-user";
          return reply("334 VXNlcm5hbWU6");
        }
        const [, name, pass] = Buffer.from(arg ?? "", "base64")
          .toString()
          .split("\0");
        mail.auth = `${name}:${pass}`;
        return reply("235 2.7.0 Authentication successful");
      }
      if (verb === "MAIL") {
        mail.from = /<([^>]*)>/.exec(line)?.[1] ?? "";
        return reply("250 OK");
      }
      if (verb === "RCPT") {
        if (options.rejectRcpt) return reply("550 5.1.1 No such user");
        mail.to.push(/<([^>]*)>/.exec(line)?.[1] ?? "");
        return reply("250 OK");
      }
      if (verb === "DATA") {
        inData = true;
        return reply("354 End data with <CR><LF>.<CR><LF>");
      }
      if (verb === "QUIT") {
        reply("221 Bye");
        return socket.end();
      }
      if (verb === "RSET" || verb === "NOOP") return reply("250 OK");
      return reply("502 Command not implemented");
    };
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString("utf8");
      while (true) {
        if (inData) {
          const end = buffer.indexOf("\r\n.\r\n");
          if (end < 0) return;
          const data = buffer.slice(0, end).replace(/\r\n\.\./g, "\r\n.");
          buffer = buffer.slice(end + 5);
          inData = false;
          const [head = "", body = ""] = data.split("\r\n\r\n");
          const subject = decodeSubject(/^Subject: (.*)$/m.exec(head)?.[1] ?? "");
          const text = /base64/i.test(head)
            ? Buffer.from(body.replace(/\r\n/g, ""), "base64").toString("utf8")
            : body;
          messages.push({ ...mail, data, subject, text, secure });
          mail = { from: "", to: [], auth: mail.auth };
          reply("250 OK queued");
          for (const w of waiters.splice(0)) w();
          continue;
        }
        const newline = buffer.indexOf("\r\n");
        if (newline < 0) return;
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 2);
        handleLine(line);
      }
    };
    socket.on("data", onData);
    socket.on("error", () => {});
    reply("220 test.local ESMTP ready");
  };
  const server: Server = options.tls
    ? createTlsServer(options.tls, onConnection)
    : createServer(onConnection);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    messages,
    async waitFor(count, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (messages.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} mails, got ${messages.length}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 50);
        });
      }
      return messages;
    },
    stop: () => {
      server.close();
    },
  };
}
