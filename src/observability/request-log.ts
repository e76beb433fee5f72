import { LogController, type FastifyReply, type FastifyRequest } from 'fastify'
import { UNMATCHED_ROUTE, type RequestObservation } from './request-context.js'

/** Query parameters whose values never reach a log line, whatever the endpoint. */
const SECRET_PARAM = /token|secret|passw|pwd|key|auth|sig|session|credential|code|assertion/i

/**
 * A path with query for a debug log: the values of parameters that look like credentials are
 * replaced, the rest kept byte for byte (OData options such as `$filter` are what one debugs).
 */
export function redactQuery (pathWithQuery: string): string {
  const at = pathWithQuery.indexOf('?')
  if (at === -1) return pathWithQuery
  const params = pathWithQuery.slice(at + 1).split('&').map((pair) => {
    const eq = pair.indexOf('=')
    if (eq === -1) return pair
    let name = pair.slice(0, eq)
    try { name = decodeURIComponent(name) } catch { /* judged on the raw name */ }
    return SECRET_PARAM.test(name) ? `${pair.slice(0, eq)}=[redacted]` : pair
  })
  return `${pathWithQuery.slice(0, at)}?${params.join('&')}`
}

export interface CompletedRequestFacts {
  method: string
  route: string
  statusCode: number
  durationMs: number
  bytesSent?: number | undefined
  requestBytes?: number | undefined
  observation?: RequestObservation | null | undefined
  aborted?: boolean
}

/**
 * The fields of the one line logged per request. Never headers, bodies or the raw url (which may
 * carry a caller's query); the upstream url only in debug mode, with credential-like values
 * removed. The caller's id (a hash) is on the logger already, bound by the auth plugin.
 */
export function requestLogFields (facts: CompletedRequestFacts): Record<string, unknown> {
  const fields: Record<string, unknown> = {
    method: facts.method,
    route: facts.route,
    statusCode: facts.statusCode,
    durationMs: Math.round(facts.durationMs * 10) / 10
  }
  if (facts.bytesSent !== undefined) fields.bytesSent = facts.bytesSent
  if (facts.requestBytes !== undefined) fields.requestBytes = facts.requestBytes
  if (facts.aborted) fields.aborted = true
  const observation = facts.observation
  if (observation?.traceId) fields.traceId = observation.traceId
  const upstream = observation?.upstream
  if (upstream) {
    fields.upstream = {
      calls: upstream.calls,
      statusCode: upstream.statusCode,
      durationMs: Math.round(upstream.durationMs * 10) / 10,
      ...(observation.upstreamBase && upstream.path ? { url: `${observation.upstreamBase}${redactQuery(upstream.path)}` } : {})
    }
  }
  const error = observation?.error
  if (error?.code) fields.code = error.code
  if (error?.type) fields.error = { type: error.type, message: error.message, ...(error.cause ? { cause: error.cause } : {}) }
  return fields
}

function numericHeader (value: unknown): number | undefined {
  const number = typeof value === 'string' ? Number(value) : typeof value === 'number' ? value : NaN
  return Number.isFinite(number) && number >= 0 ? number : undefined
}

/** What Fastify knows about a finished (or aborted) request, in the one-line shape. */
export function completedRequestFields (request: FastifyRequest, reply: FastifyReply, aborted = false): Record<string, unknown> {
  const observation = request.observation
  return requestLogFields({
    method: request.method,
    route: observation?.route ?? request.routeOptions.url ?? UNMATCHED_ROUTE,
    statusCode: reply.statusCode,
    durationMs: observation?.durationMs ?? reply.elapsedTime,
    bytesSent: observation?.bytesSent(request.raw.socket) ?? numericHeader(reply.getHeader('content-length')),
    requestBytes: numericHeader(request.headers['content-length']),
    observation,
    aborted
  })
}

/**
 * Fastify's request logging as one structured line per request, written when the answer is
 * complete (Fastify's default is an "incoming request" line plus a "request completed" line, with
 * all request headers). Aborted requests, which Fastify does not report, are logged by the
 * observability plugin in the same shape.
 * @see ../../plugins/observability.ts
 */
export class RequestLogController extends LogController {
  override incomingRequest (): void {
    // Nothing: the line written at completion carries everything.
  }

  override streamError (error: Error & { code?: string }, request: FastifyRequest, reply: FastifyReply): void {
    // A premature close is the "request aborted" line already; anything else is worth a warning.
    if (error.code === 'ERR_STREAM_PREMATURE_CLOSE') return
    super.streamError(error, request, reply)
  }

  override requestCompleted (error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return
    const fields = completedRequestFields(request, reply)
    if (error) reply.log.error({ ...fields, err: error }, 'request errored')
    else reply.log.info(fields, 'request completed')
  }
}
