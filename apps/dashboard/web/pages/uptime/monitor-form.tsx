import type { PierRoute } from "@pier/contract";
import type { ClientInput, RouteOf } from "@pier/http/contract";
import { useState } from "preact/hooks";
import { pier } from "../../api.ts";
import { ErrorBox, useAction } from "../../components/ui.tsx";
import { bindFields } from "../../form-fields.ts";
import type { Monitor } from "./uptime-types.ts";

type CreateBody = ClientInput<RouteOf<PierRoute, "POST /api/v1/monitors">>["body"];
type HttpBody = NonNullable<CreateBody["http"]>;

function formOf(m?: Monitor) {
  return {
    name: m?.name ?? "",
    kind: m?.kind ?? "http",
    target: m?.target ?? "",
    interval: String(m?.intervalSeconds ?? 60),
    timeout: String(m?.timeoutMs ?? 10_000),
    retries: String(m?.retries ?? 1),
    method: m?.http?.method ?? "GET",
    expectedStatus: m?.http?.expectedStatus ?? "200-399",
    keyword: m?.http?.keyword ?? "",
    keywordMode: m?.http?.keywordMode ?? "present",
    maxLatency: m?.http?.maxLatencyMs ? String(m.http.maxLatencyMs) : "",
    tlsExpiryDays: String(m?.http?.tlsExpiryDays ?? 14),
    headers: "",
  };
}

/** "Name: value" per line → headers; an empty text is no change. */
function parseHeaders(text: string): Record<string, string> | undefined {
  const lines = text.split("\n").filter((l) => l.trim());
  if (lines.length === 0) return undefined;
  return Object.fromEntries(
    lines.map((line) => {
      const at = line.indexOf(":");
      return at < 0 ? [line.trim(), ""] : [line.slice(0, at).trim(), line.slice(at + 1).trim()];
    }),
  );
}

/**
 * Every field of a monitor: the "Add monitor" form, and the edit form of a monitor's page (which
 * sends only the HTTP options; header values are write-only, so an empty box keeps them).
 */
export function MonitorForm(props: { monitor?: Monitor; onSaved: (monitor: Monitor) => unknown }) {
  const editing = props.monitor;
  const [form, setForm] = useState(() => formOf(editing));
  const [followRedirects, setFollowRedirects] = useState(editing?.http?.followRedirects ?? true);
  const [ignoreTls, setIgnoreTls] = useState(editing?.http?.ignoreTlsErrors ?? false);
  const [enabled, setEnabled] = useState(editing?.enabled ?? true);
  const save = useAction();
  const field = bindFields(form, setForm);
  const http = form.kind === "http";
  const submit = (event: Event) => {
    event.preventDefault();
    save.run(async () => {
      const headers = parseHeaders(form.headers);
      const httpOptions: HttpBody = {
        method: form.method as HttpBody["method"],
        expectedStatus: form.expectedStatus,
        keywordMode: form.keywordMode as HttpBody["keywordMode"],
        followRedirects,
        ignoreTlsErrors: ignoreTls,
        tlsExpiryDays: Number(form.tlsExpiryDays),
        ...(form.keyword ? { keyword: form.keyword } : {}),
        ...(form.maxLatency ? { maxLatencyMs: Number(form.maxLatency) } : {}),
        ...(headers ? { headers } : {}),
      };
      const common = {
        name: form.name,
        target: form.target,
        intervalSeconds: Number(form.interval),
        timeoutMs: Number(form.timeout),
        retries: Number(form.retries),
        enabled,
        ...(http ? { http: httpOptions } : {}),
      };
      const answer = editing
        ? await pier.call("PATCH /api/v1/monitors/:monitor", {
            params: { monitor: editing.id },
            body: common,
          })
        : await pier.call("POST /api/v1/monitors", {
            body: { ...common, kind: form.kind as "http" | "tcp" },
          });
      if (!editing) setForm({ ...formOf(), kind: form.kind });
      await props.onSaved(answer.monitor);
    });
  };
  return (
    <form class="inline" onSubmit={submit} aria-label={editing ? "Edit monitor" : "Add a monitor"}>
      <label>
        Name
        <input name="monitor-name" required placeholder="shop" {...field("name")} />
      </label>
      {editing ? null : (
        <label>
          Kind
          <select
            name="monitor-kind"
            value={form.kind}
            onChange={(e) => setForm({ ...form, kind: e.currentTarget.value === "tcp" ? "tcp" : "http" })}
          >
            <option value="http">HTTP(S)</option>
            <option value="tcp">TCP</option>
          </select>
        </label>
      )}
      <label>
        {http ? "URL" : "Host:port"}
        <input
          name="monitor-target"
          required
          placeholder={http ? "https://example.com/health" : "db.internal:5432"}
          {...field("target")}
        />
      </label>
      <label>
        Every (s)
        <input name="monitor-interval" type="number" min="10" {...field("interval")} />
      </label>
      <label>
        Timeout (ms)
        <input name="monitor-timeout" type="number" min="100" {...field("timeout")} />
      </label>
      <label>
        Retries before an incident
        <input name="monitor-retries" type="number" min="0" {...field("retries")} />
      </label>
      {http ? (
        <>
          <label>
            Method
            <select
              name="monitor-method"
              value={form.method}
              onChange={(e) =>
                setForm({ ...form, method: e.currentTarget.value as HttpBody["method"] & string })
              }
            >
              <option>GET</option>
              <option>HEAD</option>
              <option>POST</option>
            </select>
          </label>
          <label>
            Expected status
            <input name="monitor-expected-status" placeholder="200-399" {...field("expectedStatus")} />
          </label>
          <label>
            Keyword
            <input name="monitor-keyword" placeholder="(optional)" {...field("keyword")} />
          </label>
          <label>
            Keyword must be
            <select
              name="monitor-keyword-mode"
              value={form.keywordMode}
              onChange={(e) =>
                setForm({ ...form, keywordMode: e.currentTarget.value as "present" | "absent" })
              }
            >
              <option value="present">present</option>
              <option value="absent">absent</option>
            </select>
          </label>
          <label>
            Slower than (ms) is down
            <input
              name="monitor-max-latency"
              type="number"
              min="1"
              placeholder="(no limit)"
              {...field("maxLatency")}
            />
          </label>
          <label>
            Certificate warning (days)
            <input name="monitor-tls-days" type="number" min="0" max="365" {...field("tlsExpiryDays")} />
          </label>
          <label>
            Headers, "Name: value" per line
            {editing && Object.keys(editing.http?.headers ?? {}).length
              ? " (empty keeps the current ones)"
              : ""}
            <textarea
              name="monitor-headers"
              rows={2}
              value={form.headers}
              onInput={(e) => setForm({ ...form, headers: e.currentTarget.value })}
            />
          </label>
          <label class="inline">
            <input
              type="checkbox"
              name="monitor-follow-redirects"
              checked={followRedirects}
              onChange={(e) => setFollowRedirects(e.currentTarget.checked)}
            />
            Follow redirects
          </label>
          <label class="inline">
            <input
              type="checkbox"
              name="monitor-ignore-tls"
              checked={ignoreTls}
              onChange={(e) => setIgnoreTls(e.currentTarget.checked)}
            />
            Ignore TLS errors
          </label>
        </>
      ) : null}
      <label class="inline">
        <input
          type="checkbox"
          name="monitor-enabled"
          checked={enabled}
          onChange={(e) => setEnabled(e.currentTarget.checked)}
        />
        Checking (unticked: paused)
      </label>
      <button type="submit" class="primary" disabled={save.busy}>
        {editing ? "Save monitor" : "Add monitor"}
      </button>
      <ErrorBox error={save.error} />
    </form>
  );
}
