import type { Readable } from 'node:stream'
import fp from 'fastify-plugin'
import { ProxyMetrics } from '../src/observability/metrics.js'
import { BACKGROUND_ROUTE, currentObservation, UNMATCHED_ROUTE } from '../src/observability/request-context.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The proxy's Prometheus metrics (a registry of this app's own), served by `GET /metrics`. */
    metrics: ProxyMetrics
  }
}

function isStream (payload: unknown): payload is Readable {
  return typeof (payload as Readable | null)?.pipe === 'function'
}

/**
 * Prometheus metrics: requests by route pattern, method and status; the tenant's calls to SAP
 * (passthrough attempts and the typed routes' calls, labelled with the route that made them);
 * token and CSRF fetches; the proxy's own 429s and SAP's; passthrough streams in flight; Node's
 * process and event-loop metrics. The token gauges are read from the token provider at scrape time.
 * @see ../src/observability/metrics.ts
 * @see ../routes/metrics.ts
 */
export default fp(async function metrics (fastify) {
  const { tenant } = fastify
  const metrics = new ProxyMetrics({ tokens: tenant.tokens })
  fastify.decorate('metrics', metrics)

  tenant.observer = {
    apiCall: (call) => {
      metrics.upstream(call.method ?? 'GET', currentObservation()?.route ?? BACKGROUND_ROUTE, call.statusCode, call.durationMs)
    },
    tokenFetch: (outcome, durationMs) => { metrics.tokenFetch(outcome, durationMs) },
    csrfFetch: (statusCode) => { metrics.csrfFetch(statusCode) }
  }

  fastify.addHook('onRequest', async (request, reply) => {
    reply.raw.once('close', metrics.requestStarted())
  })

  // A passthrough answer whose body is streamed from SAP: in flight until the connection is done with it.
  fastify.addHook('onSend', async (request, reply, payload) => {
    if (request.passthrough && isStream(payload)) {
      reply.raw.once('close', metrics.streamStarted(request.observation?.route ?? UNMATCHED_ROUTE))
    }
    return payload
  })

  fastify.onRequestDone((request, reply, aborted) => {
    const route = request.observation?.route ?? request.routeOptions.url ?? UNMATCHED_ROUTE
    const durationMs = request.observation?.durationMs ?? reply.elapsedTime
    // Cut off before any header went out: nginx's 499 (client closed request), not a made-up 200.
    const statusCode = aborted && !reply.raw.headersSent ? 499 : reply.statusCode
    metrics.request(request.method, route, statusCode, durationMs, aborted)
    // The proxy's own rate limit marks its 429 as a proxy error; a 429 without it came from SAP.
    if (reply.statusCode === 429 && reply.getHeader('x-error-source') === 'proxy') metrics.rateLimited(route)
  })
}, { name: 'metrics', dependencies: ['config', 'sap-tenant', 'observability'] })
