import type { CompiledRoute } from "../../../shared/route-table.ts";
import { maintenancePage } from "../../pages.ts";
import { hasBody, type ProxySession } from "../session.ts";

/**
 * A route in maintenance answers 503 with its message, except on its health path (query ignored),
 * so uptime checks and deploy health checks still reach the app.
 */
export function answerMaintenance(s: ProxySession): boolean {
  const maintenance = s.route!.maintenance;
  if (maintenance === null) return false;
  return answerUnlessHealthPath(s, maintenance);
}

function answerUnlessHealthPath(
  s: ProxySession,
  maintenance: NonNullable<CompiledRoute["maintenance"]>,
): boolean {
  const path = s.request.target;
  const q = path.indexOf("?");
  if (maintenance.healthPath === (q === -1 ? path : path.slice(0, q))) return false;
  s.respond(maintenancePage(maintenance.message, s.requestId), hasBody(s.request), true);
  return true;
}
