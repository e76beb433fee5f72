export interface IssuedToken {
  accessToken: string
  /** Lifetime in seconds, as the token endpoint's `expires_in` said. */
  expiresIn: number
}

export type FetchToken = () => Promise<IssuedToken>

export interface TokenProviderOptions {
  fetchToken: FetchToken
  now?: () => number
  /** First wait after a failed fetch; doubles per failure up to `maxBackoffMs`. */
  baseBackoffMs?: number
  maxBackoffMs?: number
  /** Told about every request to the token endpoint (metrics); it must not throw. */
  onFetch?: (outcome: 'success' | 'failure', durationMs: number) => void
}

export interface TokenStatus {
  hasToken: boolean
  expiresAt: string | null
  expiresInSeconds: number | null
  lastRefreshAt: string | null
  refreshCount: number
  lastError: string | null
}

interface CachedToken {
  value: string
  expiresAt: number
  refreshAt: number
}

/** No token can be had right now; `retryAfterSeconds` says when trying again makes sense. */
export class TokenUnavailableError extends Error {
  override name = 'TokenUnavailableError'
  constructor (message: string, readonly retryAfterSeconds: number, options?: ErrorOptions) {
    super(message, options)
  }
}

/** Refresh when less than max(60 s, 10 %) of the lifetime is left, but never in its first half. */
export function refreshDelayMs (lifetimeMs: number): number {
  const margin = Math.max(60_000, lifetimeMs * 0.1)
  return Math.max(lifetimeMs / 2, lifetimeMs - margin)
}

/**
 * A single-flight OAuth token cache: one token request however many callers wait, refresh
 * ahead of expiry, a still-valid token kept in service when a refresh fails, capped back-off.
 */
export class TokenProvider {
  readonly #fetchToken: FetchToken
  readonly #now: () => number
  readonly #baseBackoffMs: number
  readonly #maxBackoffMs: number
  readonly #onFetch: NonNullable<TokenProviderOptions['onFetch']>
  #token: CachedToken | undefined
  #pending: Promise<CachedToken> | undefined
  #failures = 0
  #retryAt = 0
  #lastRefreshAt: number | undefined
  #refreshCount = 0
  #lastError: string | undefined

  constructor ({ fetchToken, now = Date.now, baseBackoffMs = 1000, maxBackoffMs = 30_000, onFetch = () => {} }: TokenProviderOptions) {
    this.#fetchToken = fetchToken
    this.#now = now
    this.#baseBackoffMs = baseBackoffMs
    this.#maxBackoffMs = maxBackoffMs
    this.#onFetch = onFetch
  }

  async get (): Promise<string> {
    const token = this.#validToken()
    if (token) {
      if (this.#now() >= token.refreshAt && this.#now() >= this.#retryAt) {
        this.#refresh().catch(() => { /* recorded in lastError; the valid token keeps serving */ })
      }
      return token.value
    }
    if (!this.#pending && this.#now() < this.#retryAt) {
      throw new TokenUnavailableError(this.#lastError ?? 'token endpoint unavailable', this.#secondsUntil(this.#retryAt))
    }
    return (await this.#refresh()).value
  }

  /** Forces a new token now (shared with any fetch already under way). */
  async refresh (): Promise<void> {
    await this.#refresh()
  }

  /**
   * Drops the cached token after SAP refused it. Passing the refused token keeps a 401 on an
   * old token from throwing away the fresh one that a concurrent caller already fetched.
   */
  invalidate (refused?: string): void {
    if (refused === undefined || this.#token?.value === refused) this.#token = undefined
  }

  status (): TokenStatus {
    const token = this.#validToken()
    return {
      hasToken: token !== undefined,
      expiresAt: token ? new Date(token.expiresAt).toISOString() : null,
      expiresInSeconds: token ? Math.floor((token.expiresAt - this.#now()) / 1000) : null,
      lastRefreshAt: this.#lastRefreshAt === undefined ? null : new Date(this.#lastRefreshAt).toISOString(),
      refreshCount: this.#refreshCount,
      lastError: this.#lastError ?? null
    }
  }

  /** True when the last fetch failed (a still-valid token may be serving meanwhile). */
  get failing (): boolean {
    return this.#failures > 0
  }

  #validToken (): CachedToken | undefined {
    return this.#token && this.#now() < this.#token.expiresAt ? this.#token : undefined
  }

  #refresh (): Promise<CachedToken> {
    this.#pending ??= this.#fetch().finally(() => { this.#pending = undefined })
    return this.#pending
  }

  async #fetch (): Promise<CachedToken> {
    const startedAt = this.#now()
    try {
      const issued = await this.#fetchToken()
      this.#onFetch('success', this.#now() - startedAt)
      const lifetimeMs = issued.expiresIn * 1000
      const token = { value: issued.accessToken, expiresAt: startedAt + lifetimeMs, refreshAt: startedAt + refreshDelayMs(lifetimeMs) }
      this.#token = token
      this.#failures = 0
      this.#retryAt = 0
      this.#lastRefreshAt = this.#now()
      this.#refreshCount++
      this.#lastError = undefined
      return token
    } catch (err) {
      this.#onFetch('failure', this.#now() - startedAt)
      this.#failures++
      const backoff = Math.min(this.#maxBackoffMs, this.#baseBackoffMs * 2 ** (this.#failures - 1))
      this.#retryAt = this.#now() + backoff
      this.#lastError = (err as Error).message
      throw new TokenUnavailableError(this.#lastError, this.#secondsUntil(this.#retryAt), { cause: err })
    }
  }

  #secondsUntil (at: number): number {
    return Math.max(1, Math.ceil((at - this.#now()) / 1000))
  }
}
