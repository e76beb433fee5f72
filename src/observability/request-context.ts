import { AsyncLocalStorage } from 'node:async_hooks'

/** The route label of a request no route matched (404s): one value, however many paths are tried. */
export const UNMATCHED_ROUTE = '__unmatched__'
/** The route label of calls to SAP made outside any request (a background token refresh, say). */
export const BACKGROUND_ROUTE = '__background__'

export interface UpstreamCall {
  /** SAP's status, or null when SAP gave no answer (unreachable, reset, timed out). */
  statusCode: number | null
  /** Time to SAP's response headers, or to the failure. */
  durationMs?: number | undefined
  method?: string | undefined
  /** Path and query below the tenant root (`/api/v1/...`), for debug logs. */
  path?: string | undefined
}

export interface UpstreamSummary {
  /** Calls made to SAP for this request (a 401 or CSRF replay makes two). */
  calls: number
  /** Status of the last call. */
  statusCode: number | null
  /** Time spent waiting for SAP's headers, over all calls. */
  durationMs: number
  /** Path of the last call. */
  path: string | undefined
}

export interface ErrorSummary {
  /** The `code` the caller was answered (`SAP_PROXY_*`), when the proxy answered the error. */
  code?: string
  type?: string
  message?: string
  cause?: { code?: string, message?: string }
}

interface ByteCounter { bytesWritten?: number }

export interface RequestObservationOptions {
  /** The tenant's root url: set in debug mode only, when logs name the upstream url. */
  upstreamBase?: string | undefined
  /** The client's connection, whose byte count tells how much this answer sent. */
  socket?: ByteCounter | undefined
  /** The OpenTelemetry trace of the request, when tracing is on: logs and traces meet on it. */
  traceId?: string | undefined
}

/**
 * What is known about one request while it runs: its id and route (set once), the calls it made
 * to SAP and the error it was answered. Carried through async code by `AsyncLocalStorage`, so
 * Fastify-free code (the tenant) can tag its upstream calls with the request that caused them.
 */
export class RequestObservation {
  readonly startedAt = performance.now()
  readonly upstreamBase: string | undefined
  readonly traceId: string | undefined
  upstream: UpstreamSummary | undefined
  error: ErrorSummary | undefined
  readonly #bytesAtStart: number | undefined
  #finished = false

  constructor (readonly requestId: string, readonly method: string, readonly route: string, options: RequestObservationOptions = {}) {
    this.upstreamBase = options.upstreamBase
    this.traceId = options.traceId
    this.#bytesAtStart = typeof options.socket?.bytesWritten === 'number' ? options.socket.bytesWritten : undefined
  }

  /**
   * Bytes written to the client's connection since the request began: status line, headers and
   * body of this answer (HTTP/1.1 writes one answer at a time per connection). Undefined without a
   * real socket (`inject`).
   */
  bytesSent (socket: ByteCounter | null | undefined): number | undefined {
    if (this.#bytesAtStart === undefined || typeof socket?.bytesWritten !== 'number') return undefined
    return socket.bytesWritten - this.#bytesAtStart
  }

  recordUpstream (call: UpstreamCall): void {
    const previous = this.upstream
    this.upstream = {
      calls: (previous?.calls ?? 0) + 1,
      statusCode: call.statusCode,
      durationMs: (previous?.durationMs ?? 0) + (call.durationMs ?? 0),
      path: call.path ?? previous?.path
    }
  }

  /** True the first time only: a request is accounted for once, whether it finished or was aborted. */
  finish (): boolean {
    if (this.#finished) return false
    this.#finished = true
    return true
  }

  get durationMs (): number {
    return performance.now() - this.startedAt
  }
}

const storage = new AsyncLocalStorage<RequestObservation>()

/** The request whose code is running, if any. */
export function currentObservation (): RequestObservation | undefined {
  return storage.getStore()
}

/** Runs `fn` (and everything it starts) as part of `observation`'s request. */
export function runObserved<T> (observation: RequestObservation, fn: () => T): T {
  return storage.run(observation, fn)
}
