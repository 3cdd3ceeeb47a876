import { asc, inArray } from "drizzle-orm";
import type { Database } from "../open.ts";
import type { DeploymentRow } from "./deployments.ts";

type DeploymentStatus = DeploymentRow["status"];

/** Cross-app deployment lookups for the deploy engine (reconciliation after a restart). */
export function createDeploymentQueryStore({ db, t }: Database) {
  return {
    async listByStatus(statuses: DeploymentStatus[]): Promise<DeploymentRow[]> {
      if (statuses.length === 0) return [];
      return db
        .select()
        .from(t.deployments)
        .where(inArray(t.deployments.status, statuses))
        .orderBy(asc(t.deployments.createdAt));
    },
  };
}
