import { createDockerClient } from "@pier/deploy";
import { joinSwarm } from "./swarm/swarm.ts";
import { fetchPinnedCa, trustRegistryCa } from "./trust.ts";

export interface JoinInput {
  manager: string;
  token: string;
  advertiseAddr?: string;
  /** The cluster registry's address and the SHA-256 of the CA its certificate comes from. */
  registry?: string;
  registryCaSha256?: string;
  say(line: string): void;
}

/**
 * `pier cluster join`, run on the new machine: trusts the cluster's registry CA (fetched from the
 * registry host and checked against the pin in the join command), then joins this machine's Docker
 * Engine to the swarm. Needs no pier server here: only Docker.
 */
export async function joinCluster(input: JoinInput): Promise<{ nodeId: string; alreadyMember: boolean }> {
  if (input.registry && input.registryCaSha256) {
    const ca = await fetchPinnedCa(input.registry, input.registryCaSha256);
    const path = await trustRegistryCa(input.registry, ca);
    input.say(`Trusting the cluster CA for ${input.registry} (${path})`);
  }
  const docker = createDockerClient();
  const joined = await joinSwarm(docker, {
    manager: input.manager,
    token: input.token,
    advertiseAddr: input.advertiseAddr,
  });
  return joined;
}
