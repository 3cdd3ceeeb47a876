/**
 * When requests last reached each app and each route, from the proxy's request records as they
 * arrive on the main thread (every second per busy worker). The deploy engine puts idle
 * environments to sleep from it. In memory only: after a restart every
 * app counts as just active.
 */
export class RequestActivity {
  private readonly apps = new Map<string, number>();
  private readonly routes = new Map<string, number>();

  touchApp(appId: string, at: number): void {
    if ((this.apps.get(appId) ?? 0) < at) this.apps.set(appId, at);
  }

  touchRoute(routeId: string, at: number): void {
    if ((this.routes.get(routeId) ?? 0) < at) this.routes.set(routeId, at);
  }

  lastAppRequestAt(appId: string): number | undefined {
    return this.apps.get(appId);
  }

  /** The latest request to any route whose id starts with `idPrefix` (a route id itself, or an environment's `deploy:<id>:`). */
  lastRouteRequestAt(idPrefix: string): number | undefined {
    let last: number | undefined;
    for (const [id, at] of this.routes) {
      if (at > (last ?? 0) && id.startsWith(idPrefix)) last = at;
    }
    return last;
  }
}
