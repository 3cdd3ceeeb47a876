import type { Socket } from "bun";
import { buildMessage, dotStuff, envelopeAddress, type MailMessage } from "./message.ts";
import { ReplyReader, type SmtpReply } from "./reply.ts";

export interface SmtpOptions {
  host: string;
  /** Where to connect when not `host` itself (the egress policy's checked address); TLS still names `host`. */
  address?: string;
  port: number;
  security: "none" | "starttls" | "tls";
  username?: string;
  password?: string;
  allowInvalidCertificate?: boolean;
  /** Name sent in EHLO. */
  clientName?: string;
  timeoutMs?: number;
}

export class SmtpError extends Error {
  readonly code = "SMTP_FAILED";
  constructor(
    readonly step: string,
    message: string,
    readonly replyCode?: number,
  ) {
    super(`SMTP ${step} failed: ${message}`);
    this.name = "SmtpError";
  }
}

type SocketData = { reader: ReplyReader };

/** Sends one message over one connection: EHLO, optional STARTTLS and AUTH, MAIL, RCPT, DATA, QUIT. */
export async function sendMail(options: SmtpOptions, message: MailMessage): Promise<void> {
  const reader = new ReplyReader();
  // After STARTTLS the plaintext socket still sees the ciphertext; only the TLS layer may feed the reader.
  let upgraded = options.security === "tls";
  const handlersFor = (layer: "plain" | "tls") => {
    const decoder = new TextDecoder();
    const current = () => (layer === "tls") === upgraded;
    return {
      data(_socket: Socket<SocketData>, chunk: Uint8Array) {
        if (current()) reader.push(decoder.decode(chunk, { stream: true }));
      },
      close() {
        if (current()) reader.fail(new SmtpError("connection", "server closed the connection"));
      },
      error(_socket: Socket<SocketData>, error: Error) {
        if (current()) reader.fail(new SmtpError("connection", error.message));
      },
      connectError(_socket: Socket<SocketData>, error: Error) {
        reader.fail(new SmtpError("connect", error.message));
      },
      handshake(_socket: Socket<SocketData>, success: boolean, authorizationError: Error | null) {
        if (!success || (authorizationError && !options.allowInvalidCertificate)) {
          const why = authorizationError?.message ?? "handshake failed";
          const error = new SmtpError("TLS", `${why} (set allowInvalidCertificate for a self-signed relay)`);
          reader.fail(error);
          handshake.reject(error);
        } else handshake.resolve();
      },
    };
  };
  // Writes before the TLS handshake completes are lost, so STARTTLS waits for it.
  const handshake = Promise.withResolvers<void>();
  handshake.promise.catch(() => {});
  const tlsOptions = { serverName: options.host, rejectUnauthorized: !options.allowInvalidCertificate };
  let socket: Socket<SocketData> | undefined;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const timer = setTimeout(() => {
    reader.fail(
      new SmtpError("timeout", `no answer from ${options.host}:${options.port} within ${timeoutMs} ms`),
    );
    socket?.end();
  }, timeoutMs);
  try {
    socket = await Bun.connect<SocketData>({
      hostname: options.address ?? options.host,
      port: options.port,
      tls: options.security === "tls" ? tlsOptions : undefined,
      data: { reader },
      socket: handlersFor(options.security === "tls" ? "tls" : "plain"),
    }).catch((error: Error) => {
      throw new SmtpError("connect", `${options.host}:${options.port}: ${error.message}`);
    });
    const command = async (step: string, line: string | undefined, expect: number[]): Promise<SmtpReply> => {
      if (line !== undefined) socket?.write(`${line}\r\n`);
      const reply = await reader.next();
      if (!expect.includes(reply.code))
        throw new SmtpError(step, `${reply.code} ${reply.lines.join(" ")}`, reply.code);
      return reply;
    };
    const name = options.clientName ?? "pier.localhost";
    await command("greeting", undefined, [220]);
    let ehlo = await command("EHLO", `EHLO ${name}`, [250]);
    if (options.security === "starttls") {
      if (!ehlo.lines.some((l) => /^STARTTLS\b/i.test(l))) {
        throw new SmtpError(
          "STARTTLS",
          `${options.host} does not offer STARTTLS; use security "tls" or "none"`,
        );
      }
      await command("STARTTLS", "STARTTLS", [220]);
      reader.reset();
      upgraded = true;
      const [, secured] = socket.upgradeTLS<SocketData>({
        tls: tlsOptions,
        data: { reader },
        socket: handlersFor("tls"),
      });
      socket = secured;
      await handshake.promise;
      ehlo = await command("EHLO", `EHLO ${name}`, [250]);
    }
    if (options.username) {
      const mechanisms = ehlo.lines.find((l) => /^AUTH\b/i.test(l))?.toUpperCase() ?? "";
      if (mechanisms.includes("PLAIN") || !mechanisms.includes("LOGIN")) {
        const token = Buffer.from(`\0${options.username}\0${options.password ?? ""}`).toString("base64");
        await command("AUTH", `AUTH PLAIN ${token}`, [235]);
      } else {
        await command("AUTH", "AUTH LOGIN", [334]);
        await command("AUTH", Buffer.from(options.username).toString("base64"), [334]);
        await command("AUTH", Buffer.from(options.password ?? "").toString("base64"), [235]);
      }
    }
    await command("MAIL FROM", `MAIL FROM:<${envelopeAddress(message.from)}>`, [250]);
    for (const to of message.to) await command("RCPT TO", `RCPT TO:<${envelopeAddress(to)}>`, [250, 251]);
    await command("DATA", "DATA", [354]);
    const domain = envelopeAddress(message.from).split("@")[1] ?? "pier.localhost";
    const data = buildMessage(message, new Date(), `${crypto.randomUUID()}@${domain}`);
    await command("DATA", `${dotStuff(data)}.`, [250]);
    socket.write("QUIT\r\n");
    await reader.next().catch(() => {});
  } finally {
    clearTimeout(timer);
    socket?.end();
  }
}
