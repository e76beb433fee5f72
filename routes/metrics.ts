import type { FastifyPluginAsync } from 'fastify'
import { errorResponses } from '../src/sap/route-schemas.js'

/**
 * `GET /metrics`: the Prometheus text exposition of this app's registry. Not open like the health
 * probes: once caller authentication is configured, a scraper sends an API key like any caller.
 * @see ../plugins/metrics.ts
 */
const metricsRoute: FastifyPluginAsync = async (fastify) => {
  fastify.get('/metrics', {
    schema: {
      summary: 'Prometheus metrics',
      description: 'Requests, calls to SAP, tokens, CSRF fetches, rate limiting, streams in flight and Node process metrics, in the Prometheus text format. See the README for what each metric means.',
      tags: ['metrics'],
      produces: ['text/plain'],
      response: {
        200: { type: 'string', description: 'Prometheus text format 0.0.4' },
        ...errorResponses(401, 429)
      }
    }
  }, async (_request, reply) => {
    reply.type(fastify.metrics.contentType).header('cache-control', 'no-store')
    return fastify.metrics.text()
  })
}

export default metricsRoute
