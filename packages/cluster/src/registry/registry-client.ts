import { RegistryError } from "../errors.ts";

export const manifestListType = "application/vnd.docker.distribution.manifest.list.v2+json";
export const manifestType = "application/vnd.docker.distribution.manifest.v2+json";
const accept = [
  manifestListType,
  manifestType,
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.oci.image.manifest.v1+json",
].join(", ");

/** Answers the Authorization header for a request needing `scope` (null: none). */
export type Authorizer = (scope: string, challenge: string | null) => Promise<string | null>;

export interface ManifestListEntry {
  digest: string;
  size: number;
  platform: { architecture: string; os: string; variant?: string };
}

/**
 * The few calls of the registry HTTP API (distribution spec) that the Engine does not make for
 * pier: putting a multi-platform manifest list, finding and deleting manifests of old releases.
 */
export class RegistryClient {
  constructor(
    private readonly baseUrl: string,
    private readonly authorize: Authorizer,
  ) {}

  private async request(
    method: string,
    path: string,
    scope: string,
    init: { headers?: Record<string, string>; body?: string } = {},
  ): Promise<Response> {
    const send = async (auth: string | null) =>
      fetch(`${this.baseUrl}${path}`, {
        method,
        headers: { ...init.headers, ...(auth ? { authorization: auth } : {}) },
        body: init.body,
        signal: AbortSignal.timeout(30_000),
      });
    let response = await send(await this.authorize(scope, null));
    if (response.status === 401) {
      const challenge = response.headers.get("www-authenticate");
      await response.body?.cancel();
      response = await send(await this.authorize(scope, challenge));
    }
    return response;
  }

  async putManifestList(repository: string, tag: string, entries: ManifestListEntry[]): Promise<string> {
    const body = JSON.stringify({
      schemaVersion: 2,
      mediaType: manifestListType,
      manifests: entries.map((e) => ({
        mediaType: manifestType,
        size: e.size,
        digest: e.digest,
        platform: e.platform,
      })),
    });
    const response = await this.request(
      "PUT",
      `/v2/${repository}/manifests/${tag}`,
      `repository:${repository}:pull,push`,
      {
        headers: { "content-type": manifestListType },
        body,
      },
    );
    const text = await response.text();
    if (!response.ok)
      throw new RegistryError(
        `the registry refused the manifest list of ${repository}:${tag}: HTTP ${response.status} ${text.slice(0, 300)}`,
      );
    const digest = response.headers.get("docker-content-digest");
    if (!digest)
      throw new RegistryError("the registry did not say the digest of the manifest list it stored");
    return digest;
  }

  /** The digest a tag points at, or null when the tag does not exist. */
  async manifestDigest(repository: string, reference: string): Promise<string | null> {
    const response = await this.request(
      "HEAD",
      `/v2/${repository}/manifests/${reference}`,
      `repository:${repository}:pull`,
      {
        headers: { accept },
      },
    );
    await response.body?.cancel();
    if (response.status === 404) return null;
    if (!response.ok)
      throw new RegistryError(`the registry answered HTTP ${response.status} for ${repository}:${reference}`);
    return response.headers.get("docker-content-digest");
  }

  async deleteManifest(repository: string, digest: string): Promise<void> {
    const response = await this.request(
      "DELETE",
      `/v2/${repository}/manifests/${digest}`,
      `repository:${repository}:delete`,
    );
    await response.body?.cancel();
    if (!response.ok && response.status !== 404)
      throw new RegistryError(
        `the registry refused to delete ${repository}@${digest}: HTTP ${response.status}`,
      );
  }

  async tags(repository: string): Promise<string[]> {
    const response = await this.request(
      "GET",
      `/v2/${repository}/tags/list`,
      `repository:${repository}:pull`,
    );
    if (response.status === 404) return [];
    if (!response.ok)
      throw new RegistryError(`the registry answered HTTP ${response.status} listing ${repository}`);
    return ((await response.json()) as { tags?: string[] | null }).tags ?? [];
  }
}

/**
 * The standard challenge: `Bearer realm=…,service=…` -> a token from the realm with basic
 * credentials (cached per scope until shortly before it expires); `Basic` -> the credentials.
 */
export function challengeAuthorizer(username: string, password: string): Authorizer {
  const basic = `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
  const tokens = new Map<string, { header: string; until: number }>();
  return async (scope, challenge) => {
    const cached = tokens.get(scope);
    if (cached && cached.until > Date.now()) return cached.header;
    if (!challenge) return null;
    if (!/^bearer /i.test(challenge)) return basic;
    const params = Object.fromEntries(
      [...challenge.slice(7).matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!.toLowerCase(), m[2]!]),
    );
    if (!params.realm) return basic;
    const url = new URL(params.realm);
    if (params.service) url.searchParams.set("service", params.service);
    url.searchParams.set("scope", scope);
    const response = await fetch(url, {
      headers: { authorization: basic },
      signal: AbortSignal.timeout(15_000),
    });
    if (!response.ok)
      throw new RegistryError(
        `the registry's token service refused pier's credentials: HTTP ${response.status}`,
      );
    const body = (await response.json()) as { token?: string; access_token?: string; expires_in?: number };
    const header = `Bearer ${body.token ?? body.access_token}`;
    tokens.set(scope, { header, until: Date.now() + Math.max(30, (body.expires_in ?? 60) - 30) * 1000 });
    return header;
  };
}
