import { rootCertificates } from 'node:tls'
import { Agent, request, type Dispatcher } from 'undici'
import type { TenantSettings } from '../config.js'
import { currentObservation, type UpstreamCall } from '../observability/request-context.js'
import { fetchClientCredentialsToken } from './oauth.js'
import { TokenProvider } from './token-provider.js'

export interface TenantOptions extends TenantSettings {
  /** What `/` and `/health` call the tenant: its host, or `sandbox`. */
  label?: string
  tokenTimeoutMs: number
  /** Time to the first response byte from SAP. */
  headersTimeoutMs: number
  /** Idle time allowed inside a body. */
  bodyTimeoutMs: number
  /** Extra trusted CA (PEM) for private landscapes; public CAs stay trusted. */
  ca?: string
  tokenBackoffMs?: { base: number, max: number }
}

export interface ApiResponse {
  statusCode: number
  headers: Dispatcher.ResponseData['headers']
  body: Dispatcher.ResponseData['body']
}

/** Told what the tenant's conversations with SAP took, for metrics (see plugins/metrics.ts). None may throw. */
export interface TenantObserver {
  apiCall (call: UpstreamCall): void
  tokenFetch (outcome: 'success' | 'failure', durationMs: number): void
  /** A CSRF token fetch answered `statusCode` (null: no answer). */
  csrfFetch (statusCode: number | null): void
}

const QUIET_OBSERVER: TenantObserver = { apiCall () {}, tokenFetch () {}, csrfFetch () {} }

/**
 * One SAP tenant: its urls, credentials, token provider and HTTP pool. Nothing here is a module
 * singleton, so several tenants can live side by side. The secret stays in a private field, out of
 * reach of serialisers and loggers.
 */
export class Tenant {
  readonly label: string
  readonly baseUrl: string
  readonly apiUrl: string
  readonly tokenUrl: string
  readonly hosts: readonly string[]
  readonly dispatcher: Agent
  readonly tokens: TokenProvider
  readonly #clientId: string
  /** Outcome of the latest call to SAP's API, of the proxy's own or forwarded. */
  lastCall: { ok: boolean, at: number, statusCode: number | null } | undefined
  observer: TenantObserver = QUIET_OBSERVER

  constructor (options: TenantOptions) {
    this.baseUrl = options.baseUrl
    this.apiUrl = `${options.baseUrl}/api/v1`
    this.tokenUrl = options.tokenUrl
    this.label = options.label ?? new URL(options.baseUrl).host
    this.hosts = [...new Set([new URL(options.baseUrl).hostname, new URL(options.tokenUrl).hostname])]
    this.#clientId = options.clientId
    const tls = { rejectUnauthorized: true, ...(options.ca ? { ca: [...rootCertificates, options.ca] } : {}) }
    this.dispatcher = new Agent({
      headersTimeout: options.headersTimeoutMs,
      bodyTimeout: options.bodyTimeoutMs,
      keepAliveTimeout: 30_000,
      connections: 64,
      connect: tls
    })
    const { clientSecret } = options
    this.tokens = new TokenProvider({
      fetchToken: () => fetchClientCredentialsToken({
        tokenUrl: this.tokenUrl,
        clientId: this.#clientId,
        clientSecret,
        timeoutMs: options.tokenTimeoutMs,
        dispatcher: this.dispatcher
      }),
      ...(options.tokenBackoffMs ? { baseBackoffMs: options.tokenBackoffMs.base, maxBackoffMs: options.tokenBackoffMs.max } : {}),
      onFetch: (outcome, durationMs) => { this.observer.tokenFetch(outcome, durationMs) }
    })
  }

  /** The client id with all but its first characters hidden, for `/api/config`. */
  get maskedClientId (): string {
    const id = this.#clientId
    return id.length <= 6 ? '***' : `${id.slice(0, 4)}***${id.slice(-2)}`
  }

  /**
   * A call of the proxy's own to `<apiUrl>/<path>` with the bearer attached. On 401 the token is
   * invalidated and the call made once more with a fresh one; never more. Made for a request, it
   * carries that request's id as `X-Request-Id` and `X-CorrelationID`, as the passthrough does.
   */
  async callApi (path: string, init: { method?: Dispatcher.HttpMethod, headers?: Record<string, string> } = {}): Promise<ApiResponse> {
    const method = init.method ?? 'GET'
    const requestId = currentObservation()?.requestId
    const ids: Record<string, string> = requestId ? { 'x-request-id': requestId, 'x-correlationid': requestId } : {}
    const send = async (token: string): Promise<ApiResponse> => {
      const startedAt = performance.now()
      const details = { method, path: `/api/v1/${path}` }
      try {
        const response = await request(`${this.apiUrl}/${path}`, {
          method,
          headers: { accept: 'application/json', ...ids, ...init.headers, authorization: `Bearer ${token}` },
          dispatcher: this.dispatcher
        })
        this.recordCall(response.statusCode, { ...details, durationMs: performance.now() - startedAt })
        return response
      } catch (err) {
        this.recordCall(null, { ...details, durationMs: performance.now() - startedAt })
        throw err
      }
    }
    const token = await this.tokens.get()
    const first = await send(token)
    if (first.statusCode !== 401) return first
    await first.body.dump()
    this.tokens.invalidate(token)
    return send(await this.tokens.get())
  }

  /**
   * Records the status of a call to SAP's API (null: no answer at all), for `/health`, the
   * request being answered (its log line) and the observer (metrics).
   */
  recordCall (statusCode: number | null, details: Omit<UpstreamCall, 'statusCode'> = {}): void {
    this.lastCall = { ok: statusCode !== null && statusCode < 500 && statusCode !== 401, at: Date.now(), statusCode }
    const call = { statusCode, ...details }
    currentObservation()?.recordUpstream(call)
    this.observer.apiCall(call)
  }

  /** Records a CSRF token fetch (null: no answer), for metrics. */
  recordCsrfFetch (statusCode: number | null): void {
    this.observer.csrfFetch(statusCode)
  }

  async close (): Promise<void> {
    await this.dispatcher.close()
  }
}
