import Fastify, { type FastifyInstance } from 'fastify'
import { apiRoutes } from './api.js'
import { ODataError } from './errors.js'
import { oauthRoutes } from './oauth.js'
import { sendError } from './respond.js'
import { MAX_RECORDED_REQUESTS, remember, type SandboxState } from './state.js'

/**
 * The sandbox tenant as its own Fastify instance (none of the proxy's plugins): the token
 * endpoint at `/oauth/token` and the OData API under `/api/v1`. Every request is recorded in
 * `stats.requests` before anything else runs.
 */
export async function buildSandboxApp (state: SandboxState): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    // Tests and the proxy keep connections alive; close() must not wait for them.
    forceCloseConnections: true,
    routerOptions: { maxParamLength: 16_384 },
    frameworkErrors: (error, request, reply) => {
      void sendError(request, reply, new ODataError(400, error.message))
    }
  })

  // Bodies are consumed by the handlers themselves, as streams (see body.ts): no parser buffers
  // them and Fastify's bodyLimit does not apply.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', (_request, _payload, done) => { done(null, undefined) })

  app.addHook('onRequest', async (request) => {
    remember(state.stats.requests, {
      method: request.method,
      url: request.raw.url ?? '',
      headers: { ...request.headers }
    }, MAX_RECORDED_REQUESTS)
  })

  app.setErrorHandler(async (error, request, reply) => {
    const odata = error instanceof ODataError
      ? error
      : new ODataError(typeof (error as { statusCode?: unknown }).statusCode === 'number' ? (error as { statusCode: number }).statusCode : 500, (error as Error).message)
    return sendError(request, reply, odata)
  })

  app.setNotFoundHandler(async (request, reply) =>
    sendError(request, reply, new ODataError(404, 'Requested entity could not be found.')))

  await app.register(async (instance) => oauthRoutes(instance, state))
  await app.register(async (instance) => apiRoutes(instance, state), { prefix: '/api/v1' })
  return app
}
