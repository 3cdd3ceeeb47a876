import type { ChallengePublisher } from "./issuer.ts";

export type ChallengeListener = (challenges: ReadonlyMap<string, string>) => void | Promise<void>;

/**
 * In-memory HTTP-01 tokens. Listeners get a fresh immutable snapshot on every change (hand it to
 * the proxy's `setAcmeChallenges`); `set` resolves only after every listener has, so a listener
 * that waits for worker acknowledgement guarantees the CA can fetch the token.
 */
export class ChallengeMap implements ChallengePublisher {
  #tokens = new Map<string, string>();
  #listeners = new Set<ChallengeListener>();

  async set(token: string, keyAuthorization: string): Promise<void> {
    this.#tokens.set(token, keyAuthorization);
    await this.#publish();
  }

  async remove(token: string): Promise<void> {
    if (this.#tokens.delete(token)) await this.#publish();
  }

  get(token: string): string | undefined {
    return this.#tokens.get(token);
  }

  snapshot(): ReadonlyMap<string, string> {
    return new Map(this.#tokens);
  }

  onChange(listener: ChallengeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async #publish(): Promise<void> {
    const snapshot = this.snapshot();
    await Promise.all([...this.#listeners].map((listener) => listener(snapshot)));
  }
}
