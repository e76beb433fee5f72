/**
 * A small typed client for sap-is-proxy, for browsers and Node 20+: `fetch` only, no dependency.
 *
 *   import { createClient } from 'sap-is-proxy/client'
 *   const proxy = createClient({ baseUrl: 'http://localhost:8000', apiKey })
 *   const { packages } = await proxy.packages()
 *
 * Every method throws a `SapProxyError` (see ./errors.ts) for an error answer, a timeout or a
 * network failure; an abort through the caller's own `signal` rejects with that signal's reason,
 * as `fetch` does.
 * @see the README's "Front end" and "Typed routes" sections for the routes and their answers
 */
import { ClientErrorCodes, errorFromResponse, SapProxyError } from './errors.js'
import type {
  ConnectionTestBody,
  ConnectionTestResult,
  Health,
  IFlowDetail,
  IFlowList,
  PackageList,
  PackageWithIFlows,
  ProxyConfig,
  ServiceInfo,
  TenantData,
  TokenStatus
} from './types.js'

export { ClientErrorCodes, isSapProxyError, SapProxyError } from './errors.js'
export type { ErrorSource, SapProxyErrorInit } from './errors.js'
export type * from './types.js'

export const DEFAULT_TIMEOUT_MS = 30_000

type MaybePromise<T> = T | Promise<T>

export interface ClientOptions {
  /** The proxy's url (`http://localhost:8000`); empty (the default) for the page's own origin. */
  baseUrl?: string
  /** One of the proxy's `API_KEYS`, sent as `X-API-Key`. */
  apiKey?: string
  /**
   * Called before every request for a JWT of the front end's identity provider, sent as
   * `Authorization: Bearer`; return null to send none. Use either this or `apiKey`.
   */
  token?: () => MaybePromise<string | null | undefined>
  /** Per request, until the whole answer is read (for `odata()`: until its headers arrive); 0 for none. */
  timeoutMs?: number
  /** Headers sent with every request. */
  headers?: Record<string, string>
  /** A `fetch` of your own (tests, instrumentation); the global one by default. */
  fetch?: typeof globalThis.fetch
}

export interface CallOptions {
  signal?: AbortSignal
  timeoutMs?: number
}

export interface ReadOptions extends CallOptions {
  /** Bypass the proxy's result cache (`SAP_CACHE_TTL_MS`). */
  refresh?: boolean
}

export interface IFlowsOptions extends ReadOptions {
  /** Only the iFlows of this package. */
  packageId?: string
}

export interface ODataInit extends RequestInit {
  /** Time until the answer's headers arrive; a streamed body is not cut by it. */
  timeoutMs?: number
  /** `false` resolves with error answers too, instead of throwing a `SapProxyError`. */
  throwOnError?: boolean
}

export interface SapProxyClient {
  readonly baseUrl: string
  /** `GET /`: name, version, tenant. */
  info (options?: CallOptions): Promise<ServiceInfo>
  /** `GET /health`; an `unhealthy` report (503) resolves too. */
  health (options?: CallOptions): Promise<Health>
  /** `GET /api/config`: the effective settings, without secrets. */
  config (options?: CallOptions): Promise<ProxyConfig>
  packages (options?: ReadOptions): Promise<PackageList>
  package (id: string, options?: ReadOptions): Promise<PackageWithIFlows>
  iflows (options?: IFlowsOptions): Promise<IFlowList>
  iflow (id: string, options?: ReadOptions): Promise<IFlowDetail>
  /** `GET /api/sap/base-tenant-data`: every package with its iFlows, and the counts. */
  baseTenantData (options?: ReadOptions): Promise<TenantData>
  tokenStatus (options?: CallOptions): Promise<TokenStatus>
  /** `POST /api/sap/refresh-token`: a new SAP token now; answers its status. */
  refreshToken (options?: CallOptions): Promise<TokenStatus>
  /** `POST /api/tenants/test-connection`: the configured tenant, or the credentials given (never stored). */
  testConnection (body?: ConnectionTestBody, options?: CallOptions): Promise<ConnectionTestResult>
  /**
   * Any OData call through the passthrough: `path` is relative to `/api/sap/`
   * (`IntegrationPackages?$top=5`, `IntegrationPackages('X')/$value`), or a link the proxy
   * answered (`__next`, `Location`). Resolves with the raw `Response`, body unread, so a
   * download can be streamed.
   */
  odata (path: string, init?: ODataInit): Promise<Response>
}

interface Deadline {
  signal: AbortSignal
  timedOut (): boolean
  /** Stops the timer; the caller's signal still aborts the request (and a body being streamed). */
  clear (): void
  /** Stops the timer and lets go of the caller's signal (one signal may serve many calls). */
  release (): void
}

/** One signal for the caller's abort and the timeout, without `AbortSignal.any` (newer than fetch in some browsers). */
function deadline (callerSignal: AbortSignal | null | undefined, timeoutMs: number): Deadline {
  const controller = new AbortController()
  let timedOut = false
  const onAbort = (): void => controller.abort(callerSignal?.reason)
  if (callerSignal?.aborted) onAbort()
  else callerSignal?.addEventListener('abort', onAbort, { once: true })
  const timer = timeoutMs > 0
    ? setTimeout(() => { timedOut = true; controller.abort(new DOMException(`No answer within ${timeoutMs} ms`, 'TimeoutError')) }, timeoutMs)
    : undefined
  const clear = (): void => clearTimeout(timer)
  return {
    signal: controller.signal,
    timedOut: () => timedOut,
    clear,
    release: () => { clear(); callerSignal?.removeEventListener('abort', onAbort) }
  }
}

function trimSlashes (url: string): string {
  return url.replace(/\/+$/, '')
}

export function createClient (options: ClientOptions = {}): SapProxyClient {
  if (options.apiKey !== undefined && options.token !== undefined) {
    throw new TypeError('createClient: give either apiKey or token, not both')
  }
  const baseUrl = trimSlashes(options.baseUrl ?? '')
  const defaultTimeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  // Called through a wrapper: browsers refuse `fetch` called with another `this` ("Illegal invocation").
  const fetchImpl = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init))
  const fixedHeaders = { ...options.headers }

  async function headersFor (given: HeadersInit | undefined): Promise<Headers> {
    const headers = new Headers(fixedHeaders)
    new Headers(given).forEach((value, name) => headers.set(name, value))
    if (options.apiKey !== undefined && !headers.has('x-api-key')) headers.set('x-api-key', options.apiKey)
    if (options.token && !headers.has('authorization')) {
      const token = await options.token()
      if (token) headers.set('authorization', `Bearer ${token}`)
    }
    return headers
  }

  /** Sends a request; failures without an answer become `SapProxyError`s, the caller's abort its reason. */
  async function send (url: string, init: RequestInit, what: string, limit: Deadline, callerSignal: AbortSignal | null | undefined): Promise<Response> {
    try {
      return await fetchImpl(url, { ...init, signal: limit.signal })
    } catch (err) {
      throw failure(err, what, limit, callerSignal)
    }
  }

  function failure (err: unknown, what: string, limit: Deadline, callerSignal: AbortSignal | null | undefined): unknown {
    if (limit.timedOut()) {
      return new SapProxyError({ status: 0, code: ClientErrorCodes.TIMEOUT, source: 'client', message: `${what}: ${(limit.signal.reason as Error).message}`, cause: err })
    }
    if (callerSignal?.aborted) return callerSignal.reason
    const reason = err instanceof Error ? err.message : String(err)
    return new SapProxyError({
      status: 0,
      code: ClientErrorCodes.NETWORK,
      source: 'client',
      message: `${what}: no answer (${reason}): the proxy is unreachable, or the browser's CORS check refused this origin (see ALLOWED_ORIGINS)`,
      cause: err
    })
  }

  async function json<T> (method: 'GET' | 'POST', path: string, call: CallOptions & { query?: Record<string, string | boolean | undefined>, body?: unknown, acceptStatus?: number } = {}): Promise<T> {
    const query = new URLSearchParams()
    for (const [name, value] of Object.entries(call.query ?? {})) if (value !== undefined && value !== false) query.set(name, String(value))
    const search = query.toString()
    const url = `${baseUrl}${path}${search ? `?${search}` : ''}`
    const what = `${method} ${path}`
    const headers = await headersFor({ accept: 'application/json' })
    let body: string | undefined
    if (call.body !== undefined) {
      headers.set('content-type', 'application/json')
      body = JSON.stringify(call.body)
    }
    const limit = deadline(call.signal, call.timeoutMs ?? defaultTimeoutMs)
    try {
      const response = await send(url, { method, headers, body }, what, limit, call.signal)
      const accepted = response.ok || (response.status === call.acceptStatus && response.headers.get('x-error-source') !== 'proxy')
      if (!accepted) throw await errorFromResponse(response, what)
      let text: string
      try {
        text = await response.text()
      } catch (err) {
        throw failure(err, what, limit, call.signal)
      }
      try {
        return JSON.parse(text) as T
      } catch (err) {
        throw new SapProxyError({ status: response.status, code: ClientErrorCodes.BAD_RESPONSE, source: 'client', requestId: response.headers.get('x-request-id'), message: `${what}: the answer is not JSON`, body: text.slice(0, 300), cause: err })
      }
    } finally {
      limit.release()
    }
  }

  /** The url of an OData path or of a link the proxy answered; other hosts are refused (they would get the credentials). */
  function odataUrl (path: string): string {
    if (/^https?:\/\//i.test(path)) {
      const origin = baseUrl === '' ? (globalThis as { location?: { origin?: string } }).location?.origin ?? '' : baseUrl
      if (origin !== '' && path.startsWith(`${origin}/api/`)) return path
      throw new TypeError(`odata: ${path} is not a url of this proxy (${origin || 'no baseUrl'})`)
    }
    if (/^\/api\/(?:sap|v1)\//.test(path)) return `${baseUrl}${path}`
    return `${baseUrl}/api/sap/${path.replace(/^\/+/, '')}`
  }

  return {
    baseUrl,
    info: (call) => json<ServiceInfo>('GET', '/', call),
    health: (call) => json<Health>('GET', '/health', { ...call, acceptStatus: 503 }),
    config: (call) => json<ProxyConfig>('GET', '/api/config', call),
    packages: (call) => json<PackageList>('GET', '/api/sap/packages', { ...call, query: { refresh: call?.refresh } }),
    package: (id, call) => json<PackageWithIFlows>('GET', `/api/sap/packages/${encodeURIComponent(id)}`, { ...call, query: { refresh: call?.refresh } }),
    iflows: (call) => json<IFlowList>('GET', '/api/sap/iflows', { ...call, query: { packageId: call?.packageId, refresh: call?.refresh } }),
    iflow: (id, call) => json<IFlowDetail>('GET', `/api/sap/iflows/${encodeURIComponent(id)}`, { ...call, query: { refresh: call?.refresh } }),
    baseTenantData: (call) => json<TenantData>('GET', '/api/sap/base-tenant-data', { ...call, query: { refresh: call?.refresh } }),
    tokenStatus: (call) => json<TokenStatus>('GET', '/api/sap/token-status', call),
    refreshToken: (call) => json<TokenStatus>('POST', '/api/sap/refresh-token', call),
    testConnection: (body, call) => json<ConnectionTestResult>('POST', '/api/tenants/test-connection', { ...call, ...(body ? { body } : {}) }),

    async odata (path, init = {}) {
      const { timeoutMs, throwOnError = true, signal, headers: given, ...rest } = init
      const url = odataUrl(path)
      const what = `${rest.method ?? 'GET'} ${url.startsWith(baseUrl) ? url.slice(baseUrl.length) : url}`.split('?')[0]!
      const headers = await headersFor(given)
      const limit = deadline(signal, timeoutMs ?? defaultTimeoutMs)
      const response = await send(url, { ...rest, headers }, what, limit, signal).finally(() => limit.clear())
      if (throwOnError && response.status >= 400) throw await errorFromResponse(response, what)
      return response
    }
  }
}
