import type { PierRoute } from "@pier/contract";
import type { ClientOutput, RouteOf } from "@pier/http/contract";
import { useState } from "preact/hooks";
import { useIsAdmin } from "../access.ts";
import { pier } from "../api.ts";
import { CardsTable, ConfirmButton, CopyBlock, ErrorBox, ListState, useAction } from "../components/ui.tsx";
import { relativeTime } from "../format.ts";
import { useApi } from "../use-api.ts";

type Node = ClientOutput<RouteOf<PierRoute, "GET /api/v1/cluster/nodes">>["nodes"][number];
type Join = ClientOutput<RouteOf<PierRoute, "GET /api/v1/cluster/join-command">>["join"];

const stateTone: Record<string, string> = { ready: "ok", down: "bad", disconnected: "bad", unknown: "warn" };

function gib(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
}

function NodeState({ node }: { node: Node }) {
  return (
    <span>
      <span class={`badge ${stateTone[node.state] ?? "warn"}`}>{node.state}</span>
      {node.state !== "ready" && node.stateSince ? ` since ${relativeTime(node.stateSince)}` : ""}
      {node.availability !== "active" ? <span class="badge muted">{node.availability}</span> : null}
    </span>
  );
}

function Replicas({ node }: { node: Node }) {
  if (node.replicas.length === 0) return <>–</>;
  const byApp = new Map<string, number>();
  for (const r of node.replicas) byApp.set(r.app, (byApp.get(r.app) ?? 0) + 1);
  return <>{[...byApp].map(([app, n]) => `${app}${n > 1 ? ` ×${n}` : ""}`).join(", ")}</>;
}

/** The cluster's nodes (`pier cluster nodes`): state, platform, resources, labels, replicas; drain and activate. */
export function NodesPage() {
  const cluster = useApi(() => pier.call("GET /api/v1/cluster"), [], 10_000);
  const enabled = cluster.data?.cluster.enabled === true;
  const nodes = useApi(
    () => (enabled ? pier.call("GET /api/v1/cluster/nodes") : Promise.resolve({ nodes: [] as Node[] })),
    [enabled],
    3_000,
  );
  const [join, setJoin] = useState<Join | null>(null);
  const showJoin = useAction();
  // Draining, activating and the join command (it holds the swarm's token) are an admin's.
  const admin = useIsAdmin();
  const registry = cluster.data?.cluster.registry;
  return (
    <>
      <h1>Nodes</h1>
      <div class="panel">
        <ListState query={cluster} what="the cluster">
          {(data) =>
            data.cluster.enabled ? (
              <p>
                {`Apps run on a Docker Swarm of ${data.cluster.nodes.total} node${data.cluster.nodes.total === 1 ? "" : "s"} (${data.cluster.nodes.ready} ready; ${data.cluster.nodes.platforms.join(", ")}), managed from ${data.cluster.advertiseAddr}. Releases are pulled from ${registry?.address}.`}
              </p>
            ) : (
              <p class="muted">
                This pier runs its apps on its own Docker Engine. <code>pier cluster init</code> makes a
                cluster: machines (Raspberry Pis included) then join it and replicas spread over them.
              </p>
            )
          }
        </ListState>
      </div>
      {enabled ? (
        <div class="panel">
          <ListState query={nodes} what="nodes" isEmpty={(d) => d.nodes.length === 0} empty="No node.">
            {(data) => (
              <CardsTable
                testid="nodes-table"
                columns={[
                  "Node",
                  "State",
                  "Platform",
                  "Resources",
                  "Replicas",
                  "Labels",
                  ...(admin ? [""] : []),
                ]}
                rows={data.nodes}
              >
                {(n) => (
                  <tr key={n.id} data-node={n.hostname}>
                    <td data-label="Node">
                      <strong>{n.hostname}</strong>
                      <div class="muted">
                        {n.role}
                        {n.leader ? " (leader)" : ""} · {n.addr}
                      </div>
                    </td>
                    <td data-label="State">
                      <NodeState node={n} />
                      {n.message && n.state !== "ready" ? <div class="muted">{n.message}</div> : null}
                    </td>
                    <td data-label="Platform">{n.platform}</td>
                    <td data-label="Resources">
                      {n.cpus} CPU · {gib(n.memoryBytes)}
                    </td>
                    <td data-label="Replicas">
                      <Replicas node={n} />
                    </td>
                    <td data-label="Labels">
                      {Object.entries(n.labels)
                        .map(([k, v]) => `${k}=${v}`)
                        .join(", ") || "–"}
                    </td>
                    {admin ? (
                      <td>
                        {n.availability === "active" ? (
                          <ConfirmButton
                            label="Drain"
                            question={`Move ${n.hostname}'s replicas to other nodes?`}
                            confirmLabel="Drain"
                            onConfirm={async () => {
                              await pier.call("POST /api/v1/cluster/nodes/:node/drain", {
                                params: { node: n.id },
                              });
                              await nodes.reload();
                            }}
                          />
                        ) : (
                          <ConfirmButton
                            label="Activate"
                            question={`Place replicas on ${n.hostname} again?`}
                            confirmLabel="Activate"
                            onConfirm={async () => {
                              await pier.call("POST /api/v1/cluster/nodes/:node/activate", {
                                params: { node: n.id },
                              });
                              await nodes.reload();
                            }}
                          />
                        )}
                      </td>
                    ) : null}
                  </tr>
                )}
              </CardsTable>
            )}
          </ListState>
        </div>
      ) : null}
      {enabled && admin ? (
        <div class="panel">
          <h2>Add a machine</h2>
          <p class="muted">
            Install pier (or only Docker) on it, open 2377/tcp, 7946/tcp+udp and 4789/udp between the nodes,
            then run the join command there as root. It holds the swarm's join token: admins only.
          </p>
          {join ? (
            <CopyBlock text={join.command} label="join command" />
          ) : (
            <button
              type="button"
              disabled={showJoin.busy}
              onClick={() =>
                showJoin.run(async () => setJoin((await pier.call("GET /api/v1/cluster/join-command")).join))
              }
            >
              Show the join command
            </button>
          )}
          <ErrorBox error={showJoin.error} />
        </div>
      ) : null}
    </>
  );
}
