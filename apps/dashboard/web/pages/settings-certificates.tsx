import { useIsAdmin } from "../access.ts";
import { pier } from "../api.ts";
import { certificateState } from "../certificates.ts";
import { CardsTable, EmptyState, ErrorBox, ListState, useAction } from "../components/ui.tsx";
import { useApi } from "../use-api.ts";

/** Settings → Certificates: every domain's certificate, what it is really worth, and renewing one now. */
export function CertificatesPanel() {
  const certs = useApi(() => pier.call("GET /api/v1/certificates"), [], 30_000);
  const renew = useAction();
  const admin = useIsAdmin();
  return (
    <div class="panel">
      <h2>Certificates</h2>
      {certs.data ? (
        <p class="small muted">
          {certs.data.acme
            ? "ACME is on: every domain gets a self-signed certificate at once, then one from Let's Encrypt; renewal starts 30 days before expiry."
            : "ACME is off on this server: domains keep self-signed certificates, which browsers warn about. Start pier with an ACME email to get trusted ones."}
        </p>
      ) : null}
      <ErrorBox error={renew.error} />
      <ListState
        query={certs}
        what="certificates"
        isEmpty={(d) => d.certificates.length === 0}
        empty={
          <EmptyState title="No certificates yet">
            Certificates come with domains: add one on an app's Domains tab.
          </EmptyState>
        }
      >
        {(data) => (
          <CardsTable
            testid="certificates-table"
            columns={["Host", "State", "Issuer", "Expires", "Renews", ...(admin ? [""] : [])]}
            rows={data.certificates}
          >
            {(c) => {
              const state = certificateState(c);
              return (
                <tr key={c.host} data-host={c.host}>
                  <td data-label="Host" class="mono">
                    {c.host}
                  </td>
                  <td data-label="State">
                    <span class={`badge ${state.tone}`}>{state.label}</span>
                    {c.lastError ? (
                      <div class="small" style={{ color: "var(--bad)" }}>
                        {c.lastError}
                      </div>
                    ) : null}
                  </td>
                  <td data-label="Issuer">
                    {c.issuer === "acme" ? "Let's Encrypt (ACME)" : "pier (self-signed)"}
                  </td>
                  <td data-label="Expires" title={c.notAfter}>
                    {new Date(c.notAfter).toLocaleDateString()}
                  </td>
                  <td data-label="Renews">
                    {c.nextAttemptAt
                      ? `next try ${new Date(c.nextAttemptAt).toLocaleString()}`
                      : new Date(c.renewAt).toLocaleDateString()}
                  </td>
                  {admin ? (
                    <td data-label="">
                      <button
                        type="button"
                        disabled={renew.busy}
                        onClick={() =>
                          renew.run(async () => {
                            await pier.call("POST /api/v1/certificates/:host/renew", {
                              params: { host: c.host },
                            });
                            await certs.reload();
                          })
                        }
                      >
                        Renew now
                      </button>
                    </td>
                  ) : null}
                </tr>
              );
            }}
          </CardsTable>
        )}
      </ListState>
    </div>
  );
}
