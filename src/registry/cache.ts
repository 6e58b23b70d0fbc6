// What the registry client remembers. Content by digest (a manifest or config never changes
// for a digest, so it is kept until evicted, least recently used first), and the digest of a
// tag for `tagTtlMs` only, since a tag moves when someone pushes. Time is injected.

export interface CacheOptions {
  now: () => number;
  tagTtlMs: number;
  /** Digest-keyed entries kept. */
  maxEntries: number;
}

export class RegistryCache {
  readonly #o: CacheOptions;
  readonly #tags = new Map<string, { digest: string; expiresAt: number }>();
  readonly #content = new Map<string, unknown>();

  constructor(o: CacheOptions) {
    this.#o = o;
  }

  /** The digest `key` (registry/repository:tag) pointed at less than tagTtlMs ago. */
  tag(key: string): string | undefined {
    const entry = this.#tags.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.#o.now()) {
      this.#tags.delete(key);
      return undefined;
    }
    return entry.digest;
  }

  setTag(key: string, digest: string): void {
    if (this.#o.tagTtlMs === 0) return;
    this.#tags.delete(key);
    this.#tags.set(key, { digest, expiresAt: this.#o.now() + this.#o.tagTtlMs });
    this.#evict(this.#tags);
  }

  /** Content stored under `key` (kind, registry, repository and digest). */
  content<T>(key: string): T | undefined {
    if (!this.#content.has(key)) return undefined;
    const value = this.#content.get(key);
    // Re-inserted: Map keeps insertion order, so the first key is the least recently used.
    this.#content.delete(key);
    this.#content.set(key, value);
    return value as T;
  }

  setContent(key: string, value: unknown): void {
    this.#content.delete(key);
    this.#content.set(key, value);
    this.#evict(this.#content);
  }

  clear(): void {
    this.#tags.clear();
    this.#content.clear();
  }

  #evict(map: Map<string, unknown>): void {
    while (map.size > this.#o.maxEntries) map.delete(map.keys().next().value as string);
  }
}
