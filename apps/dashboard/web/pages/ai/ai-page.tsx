import type { PierRoute } from "@pier/contract";
import type { ClientInput, RouteOf } from "@pier/http/contract";
import { useState } from "preact/hooks";
import { useIsAdmin } from "../../access.ts";
import { pier } from "../../api.ts";
import { SpendChart, type SpendReport, usd } from "../../components/spend-chart.tsx";
import { TextField } from "../../components/text-field.tsx";
import { CardsTable, CopyBlock, DeleteButton, ListState, useAction } from "../../components/ui.tsx";
import { bindFields } from "../../form-fields.ts";
import { addObservabilityStyles } from "../../observability-styles.ts";
import { useApi } from "../../use-api.ts";

// The AI gateway: spend per app and model over time, providers and virtual keys
// (/api/v1/ai, packages/ai-gateway/README.md).

type ProviderKind = ClientInput<RouteOf<PierRoute, "POST /api/v1/ai/providers">>["body"]["kind"];

const ranges = [7, 30, 90];

function TotalsTable({ rows, label }: { rows: (SpendReport["total"] & { name: string })[]; label: string }) {
  if (rows.length === 0) return null;
  return (
    <CardsTable
      testid={`spend-by-${label.toLowerCase()}`}
      columns={[label, "Requests", "Tokens in / out", "Cost"]}
      rows={rows}
    >
      {(r) => (
        <tr key={r.name}>
          <td data-label={label}>{r.name}</td>
          <td data-label="Requests">{r.requests}</td>
          <td data-label="Tokens">
            {r.promptTokens} / {r.completionTokens}
          </td>
          <td data-label="Cost">{usd(r.costUsd)}</td>
        </tr>
      )}
    </CardsTable>
  );
}

function SpendPanel() {
  const [days, setDays] = useState(30);
  const spend = useApi(
    () =>
      pier.call("GET /api/v1/ai/spend", {
        query: { interval: "day", from: new Date(Date.now() - days * 86_400_000).toISOString() },
      }),
    [days],
    60_000,
  );
  return (
    <div class="panel">
      <div class="spread">
        <h2>AI spend</h2>
        <select value={days} onChange={(e) => setDays(Number(e.currentTarget.value))} aria-label="Time range">
          {ranges.map((d) => (
            <option key={d} value={d}>
              last {d} days
            </option>
          ))}
        </select>
      </div>
      <ListState query={spend} what="spend">
        {(report) => (
          <>
            <div class="stats" data-testid="ai-spend-total">
              <span>
                <b>{usd(report.total.costUsd)}</b>
                <span class="small muted">cost</span>
              </span>
              <span>
                <b>{report.total.requests}</b>
                <span class="small muted">requests</span>
              </span>
              <span>
                <b>{report.total.promptTokens + report.total.completionTokens}</b>
                <span class="small muted">tokens</span>
              </span>
            </div>
            {report.series.length ? (
              <SpendChart report={report} days={days} />
            ) : (
              <p class="muted">No AI requests in this period.</p>
            )}
            <TotalsTable label="App" rows={report.byApp.map((a) => ({ ...a, name: a.app }))} />
            <TotalsTable label="Model" rows={report.byModel.map((m) => ({ ...m, name: m.model }))} />
          </>
        )}
      </ListState>
    </div>
  );
}

function ProvidersPanel() {
  const providers = useApi(() => pier.call("GET /api/v1/ai/providers").then((a) => a.providers), []);
  const empty = { name: "", kind: "openai" as ProviderKind, baseUrl: "", apiKey: "", models: "" };
  const [form, setForm] = useState(empty);
  const save = useAction();
  const field = bindFields(form, setForm);
  // Providers hold the platform's API keys: adding and removing them is an admin's.
  const admin = useIsAdmin();
  return (
    <div class="panel">
      <h2>Providers</h2>
      {admin ? (
        <form
          class="inline"
          onSubmit={(event) => {
            event.preventDefault();
            save.run(async () => {
              await pier.call("POST /api/v1/ai/providers", {
                body: {
                  name: form.name,
                  kind: form.kind,
                  ...(form.baseUrl ? { baseUrl: form.baseUrl } : {}),
                  ...(form.apiKey ? { apiKey: form.apiKey } : {}),
                  models: form.models
                    .split(",")
                    .map((m) => m.trim())
                    .filter(Boolean),
                },
              });
              setForm(empty);
              await providers.reload();
            });
          }}
        >
          <label>
            Name
            <input name="provider-name" required placeholder="openai" {...field("name")} />
          </label>
          <label>
            Kind
            <select
              value={form.kind}
              onChange={(e) => setForm({ ...form, kind: e.currentTarget.value as ProviderKind })}
            >
              <option value="openai">OpenAI</option>
              <option value="openai-compatible">OpenAI-compatible</option>
              <option value="anthropic">Anthropic</option>
            </select>
          </label>
          <label>
            Base URL
            <input name="provider-base-url" placeholder="(default)" {...field("baseUrl")} />
          </label>
          <label>
            API key
            <input name="provider-api-key" type="password" autocomplete="off" {...field("apiKey")} />
          </label>
          <label>
            Models
            <input name="provider-models" placeholder="gpt-4o-mini, gpt-4o" {...field("models")} />
          </label>
          <button type="submit" class="primary" disabled={save.busy}>
            Save provider
          </button>
        </form>
      ) : null}
      <ListState
        query={providers}
        what="providers"
        extraError={save.error}
        empty={
          admin
            ? "No providers yet: apps can only call models once one is configured."
            : "No providers yet: apps can only call models once an admin configures one."
        }
      >
        {(rows) => (
          <CardsTable
            testid="ai-providers"
            columns={["Name", "Kind", "Base URL", "Key", "Models", ...(admin ? [""] : [])]}
            rows={rows}
          >
            {(p) => (
              <tr key={p.name}>
                <td data-label="Name">{p.name}</td>
                <td data-label="Kind">{p.kind}</td>
                <td data-label="Base URL" class="mono">
                  {p.baseUrl ?? "(default)"}
                </td>
                <td data-label="Key">{p.hasApiKey ? "stored" : "none"}</td>
                <td data-label="Models">{p.models.map((m) => `${p.name}/${m}`).join(", ")}</td>
                {admin ? (
                  <td data-label="">
                    <DeleteButton
                      label="Remove"
                      question={`Remove provider "${p.name}"?`}
                      remove={() =>
                        pier.call("DELETE /api/v1/ai/providers/:name", { params: { name: p.name } })
                      }
                      onDeleted={providers.reload}
                    />
                  </td>
                ) : null}
              </tr>
            )}
          </CardsTable>
        )}
      </ListState>
    </div>
  );
}

/** Usage against a limit as a bar (red from 90 %); without a limit only the figure. */
function Meter({ label, used, limit }: { label: string; used: number; limit: number | null }) {
  const share = limit ? Math.min(1, used / limit) : 0;
  return (
    <div class="small">
      {label}
      {limit ? (
        <div class="meter" role="img" aria-label={`${label} of ${limit}`}>
          <span class={share >= 0.9 ? "over" : ""} style={{ width: `${share * 100}%` }} />
        </div>
      ) : null}
    </div>
  );
}

/** Model aliases: a name apps ask for, mapped to provider/model targets tried in order. */
function AliasesPanel() {
  const aliases = useApi(() => pier.call("GET /api/v1/ai/aliases").then((a) => a.aliases), []);
  const [name, setName] = useState("");
  const [targets, setTargets] = useState("");
  const save = useAction();
  const admin = useIsAdmin();
  const list = targets
    .split(/[\n,]/)
    .map((t) => t.trim())
    .filter(Boolean);
  return (
    <section class="panel" aria-label="Model aliases">
      <h2>Model aliases</h2>
      {admin ? (
        <form
          class="inline"
          aria-label="Save an alias"
          onSubmit={(event) => {
            event.preventDefault();
            save.run(async () => {
              await pier.call("POST /api/v1/ai/aliases", { body: { name, targets: list } });
              setName("");
              setTargets("");
              await aliases.reload();
            });
          }}
        >
          <TextField
            label="Alias"
            name="alias-name"
            required
            placeholder="smart"
            value={name}
            onValue={setName}
          />
          <label>
            Targets in fallback order, one per line (provider/model)
            <textarea
              name="alias-targets"
              rows={2}
              required
              value={targets}
              onInput={(e) => setTargets(e.currentTarget.value)}
            />
          </label>
          <button type="submit" class="primary" disabled={save.busy}>
            Save alias
          </button>
        </form>
      ) : null}
      <ListState
        query={aliases}
        what="aliases"
        extraError={save.error}
        empty="No aliases: apps name provider/model directly."
      >
        {(rows) => (
          <CardsTable
            testid="ai-aliases"
            columns={["Alias", "Tried in order", ...(admin ? [""] : [])]}
            rows={rows}
          >
            {(a) => (
              <tr key={a.name}>
                <td data-label="Alias" class="mono">
                  {a.name}
                </td>
                <td data-label="Tried in order">
                  <ol class="small">
                    {a.targets.map((t) => (
                      <li key={t} class="mono">
                        {t}
                      </li>
                    ))}
                  </ol>
                </td>
                {admin ? (
                  <td data-label="">
                    <button
                      type="button"
                      onClick={() => {
                        setName(a.name);
                        setTargets(a.targets.join("\n"));
                      }}
                    >
                      Edit
                    </button>{" "}
                    <DeleteButton
                      label="Remove"
                      question={`Remove alias "${a.name}"?`}
                      remove={() =>
                        pier.call("DELETE /api/v1/ai/aliases/:name", { params: { name: a.name } })
                      }
                      onDeleted={aliases.reload}
                    />
                  </td>
                ) : null}
              </tr>
            )}
          </CardsTable>
        )}
      </ListState>
    </section>
  );
}

function KeysPanel() {
  // The API keeps revoked keys for the record; only usable ones belong in this list.
  const keys = useApi(
    () => pier.call("GET /api/v1/ai/keys").then((a) => a.keys.filter((k) => !k.revokedAt)),
    [],
  );
  const [name, setName] = useState("");
  const [app, setApp] = useState("");
  const [budget, setBudget] = useState("");
  const [created, setCreated] = useState<string | null>(null);
  const create = useAction();
  return (
    <div class="panel">
      <h2>Virtual keys</h2>
      <form
        class="inline"
        onSubmit={(event) => {
          event.preventDefault();
          create.run(async () => {
            const answer = await pier.call("POST /api/v1/ai/keys", {
              body: {
                name,
                ...(app ? { app } : {}),
                ...(budget ? { monthlyBudgetUsd: Number(budget) } : {}),
              },
            });
            setCreated(answer.secret);
            setName("");
            await keys.reload();
          });
        }}
      >
        <TextField label="Name" name="ai-key-name" required value={name} onValue={setName} />
        <TextField label="App" name="ai-key-app" placeholder="(none)" value={app} onValue={setApp} />
        <TextField
          label="Monthly budget (USD)"
          name="ai-key-budget"
          type="number"
          min="0"
          step="0.01"
          value={budget}
          onValue={setBudget}
        />
        <button type="submit" class="primary" disabled={create.busy}>
          Issue key
        </button>
      </form>
      {created ? (
        <div class="secret-once" data-testid="new-ai-key">
          <strong>
            Copy the key now (OPENAI_API_KEY, base URL {location.origin}/ai/v1): it is shown once.
          </strong>
          <CopyBlock text={created} />
          <button type="button" onClick={() => setCreated(null)}>
            Done
          </button>
        </div>
      ) : null}
      <ListState query={keys} what="keys" extraError={create.error} empty="No active keys.">
        {(active) => (
          <CardsTable
            testid="ai-keys"
            columns={["Name", "Key", "App", "Limits", "Budget", "Last minute", ""]}
            rows={active}
          >
            {(k) => (
              <tr key={k.id}>
                <td data-label="Name">{k.name}</td>
                <td data-label="Key" class="mono">
                  {k.hint}
                </td>
                <td data-label="App">{k.app ?? "–"}</td>
                <td data-label="Limits">
                  {[
                    k.requestsPerMinute ? `${k.requestsPerMinute} req/min` : "",
                    k.tokensPerMinute ? `${k.tokensPerMinute} tok/min` : "",
                    k.allowedModels.length ? k.allowedModels.join(", ") : "",
                  ]
                    .filter(Boolean)
                    .join(" · ") || "–"}
                </td>
                <td data-label="Budget">
                  {k.monthlyBudgetUsd == null ? "–" : `${usd(k.monthlyBudgetUsd)}/month`}
                  {k.usage ? (
                    <Meter
                      label={`${usd(k.usage.monthUsd)} spent this month`}
                      used={k.usage.monthUsd}
                      limit={k.monthlyBudgetUsd}
                    />
                  ) : null}
                </td>
                <td data-label="Last minute">
                  {k.usage ? (
                    <>
                      <Meter
                        label={`${k.usage.lastMinute.requests} requests`}
                        used={k.usage.lastMinute.requests}
                        limit={k.requestsPerMinute}
                      />
                      <Meter
                        label={`${k.usage.lastMinute.tokens} tokens`}
                        used={k.usage.lastMinute.tokens}
                        limit={k.tokensPerMinute}
                      />
                    </>
                  ) : (
                    "–"
                  )}
                </td>
                <td data-label="">
                  <DeleteButton
                    label="Revoke"
                    question={`Revoke "${k.name}"? Apps using it get 401.`}
                    remove={() => pier.call("DELETE /api/v1/ai/keys/:id", { params: { id: k.id } })}
                    onDeleted={keys.reload}
                  />
                </td>
              </tr>
            )}
          </CardsTable>
        )}
      </ListState>
    </div>
  );
}

export function AiPage() {
  addObservabilityStyles();
  return (
    <div class="obs">
      <h1>AI gateway</h1>
      <SpendPanel />
      <ProvidersPanel />
      <AliasesPanel />
      <KeysPanel />
    </div>
  );
}
