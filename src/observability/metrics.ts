import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'

/** What the token gauges read at scrape time (`TokenProvider` has it). */
export interface TokenStatusSource {
  status (): { hasToken: boolean, expiresInSeconds: number | null }
}

export type FetchOutcome = 'success' | 'failure'

/** Incoming requests: from a few ms (typed routes, cached) to minutes (large streamed downloads). */
const REQUEST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300]
/** Calls to SAP, to its response headers: bounded by SAP_TIMEOUT_MS (30 s by default). */
const UPSTREAM_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]
const TOKEN_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

/** The `status` label: SAP's (or the proxy's) status code, `error` for a call that got no answer. */
function statusLabel (statusCode: number | null): string {
  return statusCode === null ? 'error' : String(statusCode)
}

export interface ProxyMetricsOptions {
  tokens: TokenStatusSource
}

/**
 * The proxy's Prometheus metrics, in a registry of their own (never prom-client's global one, so
 * several apps in one process, as in tests, do not share counters). Labels are bounded by design:
 * `route` is a route pattern (`/api/sap/packages/:id`, `/api/sap/*`) or a fixed placeholder,
 * never a raw path; `status` is a status code.
 */
export class ProxyMetrics {
  readonly registry = new Registry()
  readonly #requests: Counter<'method' | 'route' | 'status'>
  readonly #requestDuration: Histogram<'method' | 'route' | 'status'>
  readonly #requestsInFlight: Gauge
  readonly #aborted: Counter<'route'>
  readonly #upstreamDuration: Histogram<'method' | 'route' | 'status'>
  readonly #upstreamRequests: Counter<'method' | 'route' | 'status'>
  readonly #sapThrottled: Counter<'route'>
  readonly #rateLimited: Counter<'route'>
  readonly #tokenFetches: Counter<'outcome'>
  readonly #tokenFetchDuration: Histogram<'outcome'>
  readonly #csrfFetches: Counter<'status'>
  readonly #streamsInFlight: Gauge<'route'>

  constructor ({ tokens }: ProxyMetricsOptions) {
    const registers = [this.registry]
    this.#requests = new Counter({ name: 'sap_proxy_http_requests_total', help: 'Requests answered by the proxy, by route pattern, method and status', labelNames: ['method', 'route', 'status'], registers })
    this.#requestDuration = new Histogram({ name: 'sap_proxy_http_request_duration_seconds', help: 'Time from the request to the end of its answer (streams included)', labelNames: ['method', 'route', 'status'], buckets: REQUEST_BUCKETS, registers })
    this.#requestsInFlight = new Gauge({ name: 'sap_proxy_http_requests_in_flight', help: 'Requests being answered right now', registers })
    this.#aborted = new Counter({ name: 'sap_proxy_http_requests_aborted_total', help: 'Answers cut off before their end (the client went away, or SAP broke off a streamed body)', labelNames: ['route'], registers })
    this.#upstreamRequests = new Counter({ name: 'sap_proxy_upstream_requests_total', help: 'Calls to the SAP API (retries and replays each count), by the route that made them, method and SAP status (error: no answer)', labelNames: ['method', 'route', 'status'], registers })
    this.#upstreamDuration = new Histogram({ name: 'sap_proxy_upstream_duration_seconds', help: 'Time from a call to the SAP API to SAP\'s response headers', labelNames: ['method', 'route', 'status'], buckets: UPSTREAM_BUCKETS, registers })
    this.#sapThrottled = new Counter({ name: 'sap_proxy_sap_throttled_total', help: 'Calls SAP answered 429 Too Many Requests, by the route that made them', labelNames: ['route'], registers })
    this.#rateLimited = new Counter({ name: 'sap_proxy_rate_limited_total', help: 'Requests the proxy refused with 429 (RATE_LIMIT_MAX per RATE_LIMIT_WINDOW)', labelNames: ['route'], registers })
    this.#tokenFetches = new Counter({ name: 'sap_proxy_token_fetches_total', help: 'OAuth token requests to SAP\'s token endpoint, by outcome', labelNames: ['outcome'], registers })
    this.#tokenFetchDuration = new Histogram({ name: 'sap_proxy_token_fetch_duration_seconds', help: 'Time an OAuth token request took', labelNames: ['outcome'], buckets: TOKEN_BUCKETS, registers })
    this.#csrfFetches = new Counter({ name: 'sap_proxy_csrf_fetches_total', help: 'CSRF token fetches from SAP before writes, by SAP status (error: no answer)', labelNames: ['status'], registers })
    this.#streamsInFlight = new Gauge({ name: 'sap_proxy_passthrough_streams_in_flight', help: 'Passthrough answers being streamed from SAP to a client right now', labelNames: ['route'], registers })
    new Gauge({
      name: 'sap_proxy_token_expires_in_seconds',
      help: 'Seconds left on the SAP access token held (0 without one), read at scrape time',
      registers,
      collect () { this.set(Math.max(0, tokens.status().expiresInSeconds ?? 0)) }
    })
    new Gauge({
      name: 'sap_proxy_token_valid',
      help: '1 while the proxy holds a valid SAP access token, else 0',
      registers,
      collect () { this.set(tokens.status().hasToken ? 1 : 0) }
    })
    collectDefaultMetrics({ register: this.registry })
    // Present from the first scrape, so rate() and alerts see a zero before the first event.
    for (const outcome of ['success', 'failure'] as const) {
      this.#tokenFetches.inc({ outcome }, 0)
    }
  }

  get contentType (): string {
    return this.registry.contentType
  }

  /** The Prometheus text exposition of every metric. */
  async text (): Promise<string> {
    return this.registry.metrics()
  }

  /** An answered request; `aborted` when its answer was cut off. */
  request (method: string, route: string, statusCode: number, durationMs: number, aborted = false): void {
    const labels = { method, route, status: String(statusCode) }
    this.#requests.inc(labels)
    this.#requestDuration.observe(labels, durationMs / 1000)
    if (aborted) this.#aborted.inc({ route })
  }

  /** Marks a request in flight; call the returned function once when it is done. */
  requestStarted (): () => void {
    this.#requestsInFlight.inc()
    return once(() => { this.#requestsInFlight.dec() })
  }

  rateLimited (route: string): void {
    this.#rateLimited.inc({ route })
  }

  upstream (method: string, route: string, statusCode: number | null, durationMs: number | undefined): void {
    const labels = { method, route, status: statusLabel(statusCode) }
    this.#upstreamRequests.inc(labels)
    if (durationMs !== undefined) this.#upstreamDuration.observe(labels, durationMs / 1000)
    if (statusCode === 429) this.#sapThrottled.inc({ route })
  }

  tokenFetch (outcome: FetchOutcome, durationMs: number): void {
    this.#tokenFetches.inc({ outcome })
    this.#tokenFetchDuration.observe({ outcome }, durationMs / 1000)
  }

  csrfFetch (statusCode: number | null): void {
    this.#csrfFetches.inc({ status: statusLabel(statusCode) })
  }

  /** Marks a passthrough stream in flight; call the returned function once when it ends. */
  streamStarted (route: string): () => void {
    this.#streamsInFlight.inc({ route })
    return once(() => { this.#streamsInFlight.dec({ route }) })
  }
}

function once (fn: () => void): () => void {
  let done = false
  return () => {
    if (done) return
    done = true
    fn()
  }
}
