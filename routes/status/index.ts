import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import { ProxyErrors } from '../../src/errors.js'
import { browserModule, isBrowserModule } from './modules.js'
import { STATUS_CSS, STATUS_HTML } from './page.js'

/**
 * `GET /status`: the "Backend status" page for people, and its assets. The page and its assets are
 * open (`config: { auth: false }`): they hold no data. The data comes from the API routes, which
 * keep their caller authentication; the page asks for an API key when one answers 401.
 * @see ./browser/app.ts for the page's script, built on the client in src/client/
 */
const statusPage: FastifyPluginAsync = async (fastify) => {
  // Revalidated on every load (no ETag is kept: the files are small and served from memory).
  const noCache = (reply: FastifyReply, type: string): FastifyReply => reply.type(type).header('cache-control', 'no-cache')

  fastify.get('/status', {
    config: { auth: false },
    schema: {
      summary: 'Backend status page: connection, token, counts, last errors',
      description: 'An HTML page for people, built on the browser client. The page itself is open; the data it shows comes from the API routes, which require caller credentials when API_KEYS or AUTH_JWKS_URL is set (the page asks for an API key and keeps it in session storage).',
      tags: ['status'],
      produces: ['text/html'],
      response: { 200: { type: 'string', description: 'HTML' } }
    }
  }, async (_request, reply) => noCache(reply, 'text/html; charset=utf-8').send(STATUS_HTML))

  fastify.get('/status/assets/status.css', { config: { auth: false }, schema: { hide: true } },
    async (_request, reply) => noCache(reply, 'text/css; charset=utf-8').send(STATUS_CSS))

  fastify.get<{ Params: { '*': string } }>('/status/assets/modules/*', { config: { auth: false }, schema: { hide: true } }, async (request, reply) => {
    const path = request.params['*']
    if (!isBrowserModule(path)) throw new ProxyErrors.NotFound(`Route GET /status/assets/modules/${path} not found`)
    return noCache(reply, 'text/javascript; charset=utf-8').send(await browserModule(path))
  })
}

export default statusPage
