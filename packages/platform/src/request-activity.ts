/**
 * When requests last reached each app (and, once the proxy reports them, each route), from the
 * proxy's request records as they arrive on the main thread (every second per busy worker). The
 * deploy engine puts idle environments to sleep from it. In memory only: after a restart every
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

  lastRouteRequestAt(routeId: string): number | undefined {
    return this.routes.get(routeId);
  }
}
