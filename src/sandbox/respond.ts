import type { FastifyReply, FastifyRequest } from 'fastify'
import type { ODataError } from './errors.js'
import { errorBody, negotiate, type Format } from './odata.js'
import { parseQuery } from './uri.js'

export const API_PREFIX = '/api/v1'

/** The format errors are answered in: the negotiated one, JSON when negotiation itself fails. */
export function formatOf (request: FastifyRequest): Format {
  try {
    const raw = request.raw.url ?? ''
    const q = raw.indexOf('?')
    return negotiate(request.headers.accept, parseQuery(q < 0 ? '' : raw.slice(q + 1)))
  } catch {
    return 'json'
  }
}

/**
 * The tenant url as the caller addressed it (its Host header), with an explicit port as SAP writes
 * it (`:443`); the sandbox's own url without a Host header.
 */
export function serviceRoot (request: FastifyRequest, fallback: string): string {
  const host = request.headers.host
  if (host === undefined || host === '') return `${fallback}${API_PREFIX}/`
  const withPort = /:\d+$/.test(host) ? host : `${host}:80`
  return `http://${withPort}${API_PREFIX}/`
}

export async function sendError (request: FastifyRequest, reply: FastifyReply, error: ODataError): Promise<FastifyReply> {
  const { contentType, body } = errorBody(error, formatOf(request))
  for (const [name, value] of Object.entries(error.headers)) reply.header(name, value)
  return reply.code(error.status).header('Content-Type', contentType).send(body)
}
