import { STATUS_CODES } from 'node:http'
import fp from 'fastify-plugin'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { ProxyErrors } from '../src/errors.js'
import { TokenUnavailableError } from '../src/sap/token-provider.js'

export interface ProxyErrorBody {
  statusCode: number
  error: string
  code: string
  message: string
  requestId: string
}

interface Classified { statusCode: number, code: string, message: string, retryAfterSeconds?: number }

function classify (err: FastifyError & { retryAfterSeconds?: number }): Classified {
  if (err instanceof TokenUnavailableError) {
    return { ...fromProxyError(new ProxyErrors.TokenUnavailable(err.message)), retryAfterSeconds: err.retryAfterSeconds }
  }
  if (err.code?.startsWith('SAP_PROXY_')) {
    return { statusCode: err.statusCode ?? 500, code: err.code, message: err.message, ...(err.retryAfterSeconds ? { retryAfterSeconds: err.retryAfterSeconds } : {}) }
  }
  if (err.validation) return { statusCode: 400, code: 'SAP_PROXY_BAD_REQUEST', message: err.message }
  const status = err.statusCode ?? 500
  if (status === 413) return { statusCode: 413, code: 'SAP_PROXY_PAYLOAD_TOO_LARGE', message: 'Request body is too large' }
  if (status >= 400 && status < 500) return { statusCode: status, code: 'SAP_PROXY_BAD_REQUEST', message: err.message }
  return { statusCode: 500, code: 'SAP_PROXY_INTERNAL', message: 'Internal error' }
}

function fromProxyError (err: FastifyError): Classified {
  return { statusCode: err.statusCode ?? 500, code: err.code, message: err.message }
}

/** Sends an error in the contract's shape, marked `x-error-source: proxy`. */
export function sendProxyError (request: FastifyRequest, reply: FastifyReply, err: Classified): FastifyReply {
  const body: ProxyErrorBody = {
    statusCode: err.statusCode,
    error: STATUS_CODES[err.statusCode] ?? 'Error',
    code: err.code,
    message: err.message,
    requestId: request.id
  }
  if (err.retryAfterSeconds) reply.header('retry-after', String(err.retryAfterSeconds))
  // A body still on its way (a refused upload) would hold the connection until a timeout: close it.
  if (!request.raw.complete) reply.header('connection', 'close')
  return reply.code(err.statusCode).header('x-error-source', 'proxy').type('application/json; charset=utf-8').send(body)
}

/**
 * One error shape for everything the proxy itself answers: stable `SAP_PROXY_*` codes, no stack
 * traces, upstream urls or secrets in 5xx bodies.
 */
export default fp(async function errorHandler (fastify) {
  fastify.setErrorHandler((err: FastifyError, request, reply) => {
    const classified = classify(err)
    // 4xx answers are in the request's own log line (with their code); 5xx add the cause.
    if (classified.statusCode >= 500) request.log.error({ err, code: classified.code }, 'request failed')
    return sendProxyError(request, reply, classified)
  })
  fastify.setNotFoundHandler((request, reply) => {
    return sendProxyError(request, reply, fromProxyError(new ProxyErrors.NotFound(`Route ${request.method} ${request.url.split('?')[0]} not found`)))
  })
}, { name: 'error-handler' })
