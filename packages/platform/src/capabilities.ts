import type { NotificationEvent } from "@pier/notify";

/** An app as other subsystems need to know it. */
export interface AppRef {
  id: string;
  name: string;
}

/** Error tracking, for the deploy engine: the Sentry variables an app's replicas get. */
export interface ErrorsCapability {
  /**
   * SENTRY_DSN/RELEASE/ENVIRONMENT for a deploy; creates the app's project on first use. With
   * `host` (a domain the app is served on) the DSN goes through that host's `/_pier/` path,
   * reachable from browsers and containers alike; without it, through the console URL.
   */
  sentryEnv(input: {
    app: AppRef;
    release: string;
    environment: string;
    host?: string | null;
  }): Promise<Record<string, string>>;
}

/** The AI gateway, for the deploy engine: OPENAI_* variables so the SDKs in an app talk to pier. */
export interface AiGatewayCapability {
  /** Empty when no provider is configured (nothing to call). */
  envFor(appName: string, options: { baseUrl?: string }): Promise<Record<string, string>>;
}

/** Uptime, for the deploy engine: the monitor pier keeps for every live production app. */
export interface UptimeCapability {
  /** After a release went live at `url` (health path included); a no-op when app monitors are off. */
  ensureAppMonitor(app: AppRef, url: string): Promise<unknown>;
  /** The app is gone: monitors pier made for it go too (monitors a user made stay). */
  removeAppMonitors(appId: string): Promise<void>;
}

/** Notification channels, for any subsystem (failed deploys, new error issues, incidents). */
export interface NotifyCapability {
  /** Sends to every channel that wants the event; never throws, resolves when delivery is done. */
  notify(event: NotificationEvent): Promise<void>;
}

/** Analytics, for route providers: which sites get the tracker tag injected by the proxy. */
export interface AnalyticsCapability {
  autoInjectSites(): Promise<Set<string>>;
}

export interface Capabilities {
  errors?: ErrorsCapability;
  aiGateway?: AiGatewayCapability;
  uptime?: UptimeCapability;
  notify?: NotifyCapability;
  analytics?: AnalyticsCapability;
}

/** The mutable side of `PierContext.capabilities`: serve.ts owns it, modules provide through it. */
export function capabilityRegistry(): {
  capabilities: Readonly<Capabilities>;
  provide<K extends keyof Capabilities>(name: K, capability: NonNullable<Capabilities[K]>): () => void;
} {
  const capabilities: Capabilities = {};
  return {
    capabilities,
    provide(name, capability) {
      if (capabilities[name]) throw new Error(`capability "${name}" is already provided`);
      capabilities[name] = capability;
      return () => {
        if (capabilities[name] === capability) delete capabilities[name];
      };
    },
  };
}
