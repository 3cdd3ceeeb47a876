import type { ProxySession } from "../session.ts";

/**
 * A sleeping environment's route has no replicas: its requests wait while the control plane
 * starts it again (the session holds them and asks the main thread once per route), instead of
 * the 503 an empty route gives. Last in the chain: beacons, /_pier/ paths, maintenance and body
 * limits need no replica, so they never wake an app.
 */
export function holdOnSleepingRoute(s: ProxySession): boolean {
  if (!s.route!.sleeping) return false;
  s.hold();
  return true;
}
