import type { PierRoute } from "@pier/contract";
import type { ClientOutput, RouteOf } from "@pier/http/contract";
import { useState } from "preact/hooks";
import { pier } from "../api.ts";
import { certificateState } from "../certificates.ts";
import { TextField } from "../components/text-field.tsx";
import { CardsTable, DeleteButton, EmptyState, ErrorBox, ListState, useAction } from "../components/ui.tsx";
import { useApi } from "../use-api.ts";

type Domain = ClientOutput<RouteOf<PierRoute, "GET /api/v1/apps/:name/domains">>["domains"][number];

function certificateText(tls: Domain["tls"]): string {
  if (!tls) return "no certificate";
  const expires = new Date(tls.notAfter).toLocaleDateString();
  return `${tls.issuer === "self-signed" ? "self-signed" : "ACME"}, expires ${expires}`;
}

export function DomainsTab({ app }: { app: string }) {
  const domains = useApi(
    () => pier.call("GET /api/v1/apps/:name/domains", { params: { name: app } }).then((a) => a.domains),
    [app],
    10_000,
  );
  const [host, setHost] = useState("");
  const add = useAction();
  return (
    <>
      <div class="panel">
        <h2>Add a domain</h2>
        <form
          class="inline"
          onSubmit={(event) => {
            event.preventDefault();
            add.run(async () => {
              await pier.call("POST /api/v1/apps/:name/domains", { params: { name: app }, body: { host } });
              setHost("");
              await domains.reload();
            });
          }}
        >
          <TextField
            label="Host"
            name="host"
            required
            placeholder="e.g. www.example.com"
            value={host}
            onValue={setHost}
            trim
          />
          <button type="submit" class="primary" disabled={add.busy}>
            Add domain
          </button>
        </form>
        <ErrorBox error={add.error} />
        <p class="small muted">
          Point the host's DNS A/AAAA record at this server; a certificate is requested automatically.
        </p>
      </div>
      <div class="panel">
        <h2>Domains</h2>
        <ListState
          query={domains}
          what="domains"
          empty={
            <EmptyState title="No custom domains">
              The app answers at its own name under the base domain; add your own host above.
            </EmptyState>
          }
        >
          {(rows) => (
            <CardsTable testid="domains-table" columns={["Host", "Certificate", ""]} rows={rows}>
              {(d) => (
                <tr key={d.host} data-host={d.host}>
                  <td data-label="Host">
                    <a href={`https://${d.host}`} target="_blank" rel="noreferrer">
                      {d.host}
                    </a>
                  </td>
                  <td data-label="Certificate">
                    <span class={`badge ${certificateState(d.tls).tone}`}>
                      {certificateState(d.tls).label}
                    </span>{" "}
                    <span class="small muted">{certificateText(d.tls)}</span>
                    {d.tls?.lastError ? (
                      <div class="small" style={{ color: "var(--bad)" }}>
                        {d.tls.lastError}
                      </div>
                    ) : null}
                  </td>
                  <td data-label="">
                    <DeleteButton
                      label="Remove"
                      question={`Remove ${d.host}?`}
                      remove={() =>
                        pier.call("DELETE /api/v1/apps/:name/domains/:host", {
                          params: { name: app, host: d.host },
                        })
                      }
                      onDeleted={domains.reload}
                    />
                  </td>
                </tr>
              )}
            </CardsTable>
          )}
        </ListState>
      </div>
    </>
  );
}
