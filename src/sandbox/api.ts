import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ODataError } from './errors.js'
import { negotiate } from './odata.js'
import { areaOf } from './pacing.js'
import { handleRead } from './routes-read.js'
import { handleWrite } from './routes-write.js'
import { API_PREFIX, sendError } from './respond.js'
import type { SandboxState } from './state.js'
import { originForm, parseUri } from './uri.js'

/**
 * `/api/v1/*`: bearer check, SAP's request limits, CSRF, then the read or write dispatcher.
 * Routing is done on the raw request target by uri.ts rather than by Fastify's router, because
 * OData key predicates (`('O''Brien')`, `(Id='a',Version='b')`) are not path parameters.
 */

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

export async function apiRoutes (app: FastifyInstance, state: SandboxState): Promise<void> {
  app.addHook('onRequest', async (request, reply) => {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')
    if (m?.[1] === undefined || !state.tokens.verify(m[1])) {
      // SAP's 401 body is not confirmed; the sandbox answers in SAP's error shape, always JSON.
      const body = JSON.stringify({ error: { code: 'Unauthorized', message: { lang: 'en', value: 'Full authentication is required to access this resource: the bearer token is missing, invalid or expired.' } } })
      return reply.code(401).header('WWW-Authenticate', 'Bearer realm="sandbox", error="invalid_token"').header('Content-Type', 'application/json;charset=utf-8').send(body)
    }

    const area = areaOf(/^\/api\/v1\/([A-Za-z_]+)/.exec(originForm(request.raw.url ?? ''))?.[1])
    if (state.options.pacing && area !== undefined && !state.pacing.admit(area)) {
      return sendError(request, reply, new ODataError(429, 'Too many requests'))
    }

    const csrfHeader = request.headers['x-csrf-token']
    if ((request.method === 'GET' || request.method === 'HEAD') && typeof csrfHeader === 'string' && csrfHeader.toLowerCase() === 'fetch') {
      const fetched = state.csrf.fetch(request.headers.cookie)
      reply.header('X-CSRF-Token', fetched.token)
      if (fetched.setCookies.length > 0) reply.header('Set-Cookie', fetched.setCookies)
    } else if (WRITES.has(request.method) && state.options.csrfRequired && !state.csrf.valid(request.headers.cookie, csrfHeader)) {
      return sendError(request, reply, new ODataError(403, 'CSRF token validation failed', { 'X-CSRF-Token': 'Required' }))
    }
  })

  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('DataServiceVersion', '2.0')
    return payload
  })

  const handler = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const parsed = parseUri(request.raw.url ?? '', API_PREFIX)
    const format = negotiate(request.headers.accept, parsed.query)
    if (request.method === 'GET' || request.method === 'HEAD') return handleRead(state, request, reply, parsed, format)
    if (WRITES.has(request.method)) return handleWrite(state, request, reply, parsed, format)
    throw new ODataError(405, `The request dispatching method '${request.method}' is not allowed.`)
  }

  app.all('/', handler)
  app.all('/*', handler)
}
