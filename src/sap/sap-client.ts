import { STATUS_CODES } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { ProxyErrors } from '../errors.js'
import { Coalescer } from './coalesce.js'
import { nextLinkPath, sapErrorMessage } from './odata.js'
import type { Pacer } from './pacer.js'
import type { ApiResponse } from './tenant.js'
import { TokenUnavailableError } from './token-provider.js'
import { isUpstreamTimeout } from './transport-errors.js'

/** What the client needs of a tenant (`Tenant` has it). */
export interface ApiCaller {
  readonly apiUrl: string
  callApi (path: string): Promise<ApiResponse>
}

export interface SapClientOptions {
  api: ApiCaller
  pacer: Pacer
  /** SAP_TIMEOUT_MS, named in the 504 message. */
  timeoutMs: number
  /** Retries of a call SAP answered 429 or 503. */
  maxRetries?: number
  /** Back-off without `Retry-After`: base, doubled per retry, capped. */
  baseBackoffMs?: number
  maxBackoffMs?: number
  /** A `Retry-After` longer than this is not waited for: the caller gets 503 with it. */
  maxRetryDelayMs?: number
  /** Pages followed through `__next` before the answer is considered runaway. */
  maxPages?: number
  /** Largest JSON answer read. */
  maxBodyBytes?: number
  random?: () => number
  wait?: (ms: number) => Promise<unknown>
}

/** SAP answered a status the proxy does not turn into data (after retries). */
export class SapStatusError extends Error {
  override name = 'SapStatusError'
  constructor (readonly statusCode: number, readonly sapMessage: string | undefined, readonly retryAfterSeconds?: number) {
    super(`SAP answered ${statusCode}${sapMessage ? `: ${sapMessage}` : ''}`)
  }
}

export interface SapClientStats {
  /** Calls sent to SAP, retries included. */
  requests: number
  /** Calls repeated after a 429 or 503. */
  retries: number
  /** 429 answers received. */
  throttled: number
}

const RETRYABLE = new Set([429, 503])

/** Seconds or an HTTP date, as milliseconds from now; undefined when absent or unreadable. */
export function parseRetryAfter (value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value
  if (text === undefined || text.trim() === '') return undefined
  if (/^\d+$/.test(text.trim())) return Number(text.trim()) * 1000
  const at = Date.parse(text)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

function describeStatus (statusCode: number): string {
  return `${statusCode} ${STATUS_CODES[statusCode] ?? ''}`.trim()
}

/**
 * The contract's error for whatever a call to SAP threw: SAP's 404 stays 404 with SAP's message,
 * other SAP errors are 502 (5xx without SAP's text, which may be internal), a busy SAP 503 with
 * `Retry-After`, a missing token stays the token provider's 503.
 */
export function toProxyError (err: unknown): Error {
  if (err instanceof SapStatusError) {
    if (err.statusCode === 404) return new ProxyErrors.NotFound(err.sapMessage ?? 'SAP has no such entity')
    if (RETRYABLE.has(err.statusCode)) {
      return Object.assign(new ProxyErrors.UpstreamBusy(describeStatus(err.statusCode)), { retryAfterSeconds: err.retryAfterSeconds ?? 1 })
    }
    if (err.statusCode === 401) return new ProxyErrors.UpstreamError('SAP refused the access token (401)')
    if (err.statusCode >= 500) return new ProxyErrors.UpstreamError(describeStatus(err.statusCode))
    return new ProxyErrors.UpstreamError(`${describeStatus(err.statusCode)}${err.sapMessage ? `: ${err.sapMessage}` : ''}`)
  }
  return err instanceof Error ? err : new Error(String(err))
}

/**
 * The proxy's own calls to SAP's API, for the typed routes: JSON only, paced (see `Pacer`),
 * 429/503 retried with back-off honouring `Retry-After`, identical GETs in flight coalesced,
 * collections followed through `__next` to the end. Fastify-free.
 */
export class SapClient {
  readonly stats: SapClientStats = { requests: 0, retries: 0, throttled: 0 }
  readonly #api: ApiCaller
  readonly #pacer: Pacer
  readonly #timeoutMs: number
  readonly #maxRetries: number
  readonly #baseBackoffMs: number
  readonly #maxBackoffMs: number
  readonly #maxRetryDelayMs: number
  readonly #maxPages: number
  readonly #maxBodyBytes: number
  readonly #random: () => number
  readonly #wait: (ms: number) => Promise<unknown>
  readonly #coalescer = new Coalescer()

  constructor (options: SapClientOptions) {
    this.#api = options.api
    this.#pacer = options.pacer
    this.#timeoutMs = options.timeoutMs
    this.#maxRetries = options.maxRetries ?? 4
    this.#baseBackoffMs = options.baseBackoffMs ?? 500
    this.#maxBackoffMs = options.maxBackoffMs ?? 8000
    this.#maxRetryDelayMs = options.maxRetryDelayMs ?? 15_000
    this.#maxPages = options.maxPages ?? 1000
    this.#maxBodyBytes = options.maxBodyBytes ?? 64 * 1024 * 1024
    this.#random = options.random ?? Math.random
    this.#wait = options.wait ?? sleep
  }

  get pacer (): Pacer {
    return this.#pacer
  }

  /** `d` of a single entity: `{"d": {…}}`. */
  async getEntity<T = Record<string, unknown>> (path: string): Promise<T> {
    const body = await this.getJson(path)
    const d = (body as { d?: unknown } | null)?.d
    if (typeof d !== 'object' || d === null || Array.isArray(d)) throw new ProxyErrors.UpstreamError('an entity answer without "d"')
    return d as T
  }

  /** Every entry of a collection, following SAP's server-side paging (`__next`) to the end. */
  async getCollection<T = Record<string, unknown>> (path: string): Promise<T[]> {
    const results: T[] = []
    const seen = new Set<string>()
    let next: string | undefined = path
    for (let page = 0; next !== undefined; page++) {
      if (page >= this.#maxPages) throw new ProxyErrors.UpstreamError(`more than ${this.#maxPages} pages`)
      seen.add(next)
      const body = await this.getJson(next)
      const d = (body as { d?: unknown } | null)?.d
      const entries = Array.isArray(d) ? d : (d as { results?: unknown } | undefined)?.results
      if (!Array.isArray(entries)) throw new ProxyErrors.UpstreamError('a collection answer without "d.results"')
      results.push(...(entries as T[]))
      const link = Array.isArray(d) ? undefined : (d as { __next?: unknown }).__next
      if (typeof link !== 'string' || link === '') break
      const following = nextLinkPath(link, next, this.#api.apiUrl)
      if (following === undefined) throw new ProxyErrors.UpstreamError('a next link outside the tenant API')
      if (seen.has(following)) throw new ProxyErrors.UpstreamError('a next link that repeats a page')
      next = following
    }
    return results
  }

  /** The parsed JSON of `GET <api>/<path>`; concurrent identical calls share one. */
  getJson (path: string): Promise<unknown> {
    return this.#coalescer.run(path, () => this.#getJson(path))
  }

  async #getJson (path: string): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      const response = await this.#pacer.run(() => this.#send(path))
      if (response.statusCode >= 200 && response.statusCode < 300) {
        const text = await this.#readBody(response)
        try {
          return JSON.parse(text)
        } catch {
          throw new ProxyErrors.UpstreamError('an answer that is not JSON')
        }
      }
      const text = await this.#readBody(response).catch(() => '')
      const retryAfterMs = parseRetryAfter(response.headers['retry-after'])
      if (response.statusCode === 429) this.stats.throttled++
      if (RETRYABLE.has(response.statusCode)) {
        const delay = retryAfterMs ?? this.#backoff(attempt)
        if (attempt < this.#maxRetries && delay <= this.#maxRetryDelayMs) {
          this.stats.retries++
          // Every start waits, not only this call: the tenant asked the whole client to slow down.
          if (response.statusCode === 429) this.#pacer.holdFor(delay)
          await this.#wait(delay)
          continue
        }
        throw new SapStatusError(response.statusCode, undefined, Math.max(1, Math.ceil((retryAfterMs ?? this.#backoff(attempt)) / 1000)))
      }
      throw new SapStatusError(response.statusCode, sapErrorMessage(text))
    }
  }

  async #send (path: string): Promise<ApiResponse> {
    this.stats.requests++
    try {
      return await this.#api.callApi(path)
    } catch (err) {
      throw this.#transportError(err)
    }
  }

  #transportError (err: unknown): Error {
    if (err instanceof TokenUnavailableError) return err
    if (isUpstreamTimeout(err)) return new ProxyErrors.UpstreamTimeout(this.#timeoutMs, { cause: err })
    return new ProxyErrors.UpstreamUnreachable({ cause: err })
  }

  async #readBody (response: ApiResponse): Promise<string> {
    const chunks: Buffer[] = []
    let bytes = 0
    try {
      for await (const chunk of response.body) {
        bytes += (chunk as Buffer).length
        if (bytes > this.#maxBodyBytes) {
          response.body.destroy()
          throw new ProxyErrors.UpstreamError(`an answer over ${this.#maxBodyBytes} bytes`)
        }
        chunks.push(chunk as Buffer)
      }
    } catch (err) {
      if ((err as { code?: string }).code?.startsWith('SAP_PROXY_')) throw err
      throw this.#transportError(err)
    }
    return Buffer.concat(chunks).toString('utf8')
  }

  #backoff (attempt: number): number {
    const ceiling = Math.min(this.#maxBackoffMs, this.#baseBackoffMs * 2 ** attempt)
    // "Equal jitter": half fixed, half random, so retries of a fan-out spread out.
    return Math.round(ceiling / 2 + this.#random() * ceiling / 2)
  }
}
