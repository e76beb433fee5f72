import { createHash } from 'node:crypto'
import { Coalescer } from './coalesce.js'

export interface Stored<T> {
  value: T
  /** A weak validator of the value's content, for `ETag` / `If-None-Match`. */
  etag: string
  storedAt: number
}

export interface ResultStoreOptions {
  /** How long a result is served again without asking SAP; 0 turns the cache off. */
  ttlMs: number
  /** Upper bound on cached results; the oldest go first. */
  maxEntries?: number
  now?: () => number
}

export interface GetOptions<T> {
  /** Skip the cache (the fresh result replaces the cached one). */
  refresh?: boolean
  /** The part of the value the ETag stands for (default: all of it). */
  etagOf?: (value: T) => unknown
}

/** A weak ETag over the JSON of a value. */
export function weakEtag (value: unknown): string {
  return `W/"${createHash('sha256').update(JSON.stringify(value) ?? 'undefined').digest('base64url').slice(0, 27)}"`
}

/**
 * Whether an `If-None-Match` header matches an ETag, by the weak comparison RFC 9110 §13.1.2
 * prescribes for it: `*`, or any listed tag equal once the `W/` prefixes are dropped.
 */
export function etagMatches (ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false
  const opaque = (tag: string): string => tag.trim().replace(/^W\//, '')
  const wanted = opaque(etag)
  return ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || opaque(tag) === wanted)
}

/**
 * The typed routes' results: identical requests in flight share one production (coalescing),
 * and with a TTL the result is served again until it expires, unless `refresh` is asked for.
 * Only successes are cached.
 */
export class ResultStore {
  readonly ttlMs: number
  readonly #maxEntries: number
  readonly #now: () => number
  readonly #entries = new Map<string, Stored<unknown>>()
  readonly #coalescer = new Coalescer()

  constructor ({ ttlMs, maxEntries = 500, now = Date.now }: ResultStoreOptions) {
    this.ttlMs = ttlMs
    this.#maxEntries = maxEntries
    this.#now = now
  }

  async get<T> (key: string, produce: () => Promise<T>, { refresh = false, etagOf = (value) => value }: GetOptions<T> = {}): Promise<Stored<T>> {
    if (!refresh) {
      const cached = this.#fresh(key)
      if (cached) return cached as Stored<T>
    }
    return this.#coalescer.run(key, async () => {
      const value = await produce()
      const stored: Stored<T> = { value, etag: weakEtag(etagOf(value)), storedAt: this.#now() }
      if (this.ttlMs > 0) this.#remember(key, stored)
      return stored
    })
  }

  /** Results being produced right now. */
  get inFlight (): number {
    return this.#coalescer.size
  }

  get size (): number {
    return this.#entries.size
  }

  clear (): void {
    this.#entries.clear()
  }

  #fresh (key: string): Stored<unknown> | undefined {
    const entry = this.#entries.get(key)
    if (!entry) return undefined
    if (this.#now() - entry.storedAt < this.ttlMs) return entry
    this.#entries.delete(key)
    return undefined
  }

  #remember (key: string, stored: Stored<unknown>): void {
    this.#entries.delete(key)
    this.#entries.set(key, stored)
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value as string
      this.#entries.delete(oldest)
    }
  }
}
