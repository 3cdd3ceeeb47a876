import type { Socket, TCPSocketListener } from "bun";

export interface ReceivedMail {
  from: string;
  to: string[];
  data: string;
  /** `user:password` when the client authenticated. */
  auth?: string;
  /** The decoded text/plain body. */
  text: string;
  subject: string;
}

export interface SmtpReceiver {
  port: number;
  messages: ReceivedMail[];
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  stop(): void;
}

interface Session {
  buffer: string;
  inData: boolean;
  authStep?: "login-user" | "login-pass";
  user?: string;
  mail: { from: string; to: string[]; auth?: string };
}

function decodeSubject(raw: string): string {
  return raw.replace(/=\?UTF-8\?B\?([^?]+)\?=/gi, (_, b64: string) =>
    Buffer.from(b64, "base64").toString("utf8"),
  );
}

/** A minimal SMTP server for tests: accepts everything, keeps messages in memory. */
export function startSmtpReceiver(
  options: { tls?: { cert: string; key: string }; rejectRcpt?: boolean } = {},
): SmtpReceiver {
  const messages: ReceivedMail[] = [];
  const waiters: (() => void)[] = [];
  const reply = (socket: Socket<Session>, line: string) => socket.write(`${line}\r\n`);
  const handleLine = (socket: Socket<Session>, line: string) => {
    const s = socket.data;
    if (s.authStep === "login-user") {
      s.user = Buffer.from(line, "base64").toString();
      s.authStep = "login-pass";
      return reply(socket, "334 UGFzc3dvcmQ6");
    }
    if (s.authStep === "login-pass") {
      s.mail.auth = `${s.user}:${Buffer.from(line, "base64").toString()}`;
      s.authStep = undefined;
      return reply(socket, "235 2.7.0 Authentication successful");
    }
    const verb = line.split(" ")[0]!.toUpperCase();
    if (verb === "EHLO" || verb === "HELO")
      return reply(socket, "250-test.local\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME");
    if (verb === "AUTH") {
      const [, mech, arg] = line.split(" ");
      if (mech?.toUpperCase() === "LOGIN") {
        s.authStep = "login-user";
        return reply(socket, "334 VXNlcm5hbWU6");
      }
      const [, user, pass] = Buffer.from(arg ?? "", "base64")
        .toString()
        .split("\0");
      s.mail.auth = `${user}:${pass}`;
      return reply(socket, "235 2.7.0 Authentication successful");
    }
    if (verb === "MAIL") {
      s.mail.from = /<([^>]*)>/.exec(line)?.[1] ?? "";
      return reply(socket, "250 OK");
    }
    if (verb === "RCPT") {
      if (options.rejectRcpt) return reply(socket, "550 5.1.1 No such user");
      s.mail.to.push(/<([^>]*)>/.exec(line)?.[1] ?? "");
      return reply(socket, "250 OK");
    }
    if (verb === "DATA") {
      s.inData = true;
      return reply(socket, "354 End data with <CR><LF>.<CR><LF>");
    }
    if (verb === "QUIT") {
      reply(socket, "221 Bye");
      return socket.end();
    }
    if (verb === "RSET" || verb === "NOOP") return reply(socket, "250 OK");
    return reply(socket, "502 Command not implemented");
  };
  const server: TCPSocketListener<Session> = Bun.listen<Session>({
    hostname: "127.0.0.1",
    port: 0,
    tls: options.tls,
    socket: {
      open(socket) {
        socket.data = { buffer: "", inData: false, mail: { from: "", to: [] } };
        reply(socket, "220 test.local ESMTP ready");
      },
      data(socket, chunk) {
        const s = socket.data;
        s.buffer += chunk.toString();
        while (true) {
          if (s.inData) {
            const end = s.buffer.indexOf("\r\n.\r\n");
            if (end < 0) return;
            const data = s.buffer.slice(0, end).replace(/\r\n\.\./g, "\r\n.");
            s.buffer = s.buffer.slice(end + 5);
            s.inData = false;
            const [head = "", body = ""] = data.split("\r\n\r\n");
            const subject = decodeSubject(/^Subject: (.*)$/m.exec(head)?.[1] ?? "");
            const text = /base64/i.test(head)
              ? Buffer.from(body.replace(/\r\n/g, ""), "base64").toString("utf8")
              : body;
            messages.push({ ...s.mail, data, subject, text });
            s.mail = { from: "", to: [], auth: s.mail.auth };
            reply(socket, "250 OK queued");
            for (const w of waiters.splice(0)) w();
            continue;
          }
          const newline = s.buffer.indexOf("\r\n");
          if (newline < 0) return;
          const line = s.buffer.slice(0, newline);
          s.buffer = s.buffer.slice(newline + 2);
          handleLine(socket, line);
        }
      },
    },
  });
  return {
    port: server.port,
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
    stop: () => server.stop(true),
  };
}
