export interface MailMessage {
  from: string;
  to: string[];
  subject: string;
  text: string;
}

/** RFC 2047 encoded-word for headers that are not plain ASCII (emoji in incident titles). */
export function encodeHeader(value: string): string {
  if (/^[\x20-\x7e]*$/.test(value)) return value;
  return `=?UTF-8?B?${Buffer.from(value, "utf8").toString("base64")}?=`;
}

/** Bare address out of `Name <addr@x>` for the envelope (MAIL FROM / RCPT TO). */
export function envelopeAddress(value: string): string {
  const angle = /<([^>]+)>/.exec(value);
  return (angle ? angle[1]! : value).trim();
}

/**
 * A text/plain message. The body is base64 so any UTF-8 and any line passes every relay unchanged,
 * whether or not it announces 8BITMIME; lines of 76 characters as MIME asks.
 */
export function buildMessage(message: MailMessage, now: Date, messageId: string): string {
  const body = Buffer.from(message.text.replace(/\r?\n/g, "\r\n"), "utf8").toString("base64");
  const wrapped = body.match(/.{1,76}/g)?.join("\r\n") ?? "";
  const headers = [
    `From: ${message.from}`,
    `To: ${message.to.join(", ")}`,
    `Subject: ${encodeHeader(message.subject)}`,
    `Date: ${now.toUTCString().replace("GMT", "+0000")}`,
    `Message-ID: <${messageId}>`,
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "Content-Transfer-Encoding: base64",
    "X-Mailer: pier",
  ];
  return `${headers.join("\r\n")}\r\n\r\n${wrapped}\r\n`;
}

/** DATA ends at a line holding one dot, so a body line starting with "." gets another (RFC 5321 §4.5.2). */
export function dotStuff(data: string): string {
  return data.replace(/(^|\r\n)\./g, "$1..");
}
