/** What came back from one request: the body parsed as JSON when it is JSON, else the text. */
export interface Outcome {
  status: number;
  contentType: string;
  headers: Headers;
  body: unknown;
}

/** One request with a deadline, so a hanging endpoint fails the test instead of stalling it. */
export async function call(url: string, init: RequestInit, timeoutMs = 10_000): Promise<Outcome> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // kept as text: the assertion says what came back
  }
  return {
    status: res.status,
    contentType: res.headers.get("content-type") ?? "",
    headers: res.headers,
    body,
  };
}
