import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { RequestObservation, runObserved, UNMATCHED_ROUTE, type ErrorSummary } from '../src/observability/request-context.js'
import { completedRequestFields } from '../src/observability/request-log.js'

/** Called once per request: when its answer is complete, or when the connection closed before (`aborted`). */
export type RequestDoneListener = (request: FastifyRequest, reply: FastifyReply, aborted: boolean) => void

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's id, route, upstream calls and error, as its log line and metrics report them. */
    observation: RequestObservation | null
  }
  interface FastifyInstance {
    /** Subscribes to the end of every request (the metrics plugin counts them). */
    onRequestDone (listener: RequestDoneListener): void
  }
}

/** What @fastify/otel adds to a request when tracing is on (see src/observability/tracing.ts). */
interface TracedRequest {
  opentelemetry?: () => { span: { spanContext (): { traceId: string } } | null }
}

function describeError (err: Error): ErrorSummary {
  const cause = err.cause as { code?: unknown, message?: unknown } | undefined
  return {
    type: err.name,
    message: err.message,
    ...(cause && typeof cause === 'object'
      ? { cause: { ...(typeof cause.code === 'string' ? { code: cause.code } : {}), ...(typeof cause.message === 'string' ? { message: cause.message } : {}) } }
      : {})
  }
}

/** The `code` of an error the proxy answered (`{ code: 'SAP_PROXY_…' }`), read from the serialised body. */
function answeredCode (payload: unknown): string | undefined {
  if (typeof payload !== 'string' || payload.length > 64 * 1024) return undefined
  try {
    const code = (JSON.parse(payload) as { code?: unknown }).code
    return typeof code === 'string' ? code : undefined
  } catch {
    return undefined
  }
}

/**
 * Request ids and the per-request context: every answer (errors and 404s too) carries
 * `x-request-id` (the caller's when sane, see `genReqId` in src/server-options.ts), and the code
 * run for a request (the tenant's calls to SAP included) sees it through `AsyncLocalStorage`, so
 * calls to SAP carry it and are tied to the request's log line. Registered first, so its
 * `onRequest` hook runs before every other.
 * @see ../src/observability/request-log.ts for the one line logged per request
 */
export default fp(async function observability (fastify) {
  const { config } = fastify
  const listeners: RequestDoneListener[] = []
  let upstreamBase: string | undefined

  fastify.decorateRequest('observation', null)
  fastify.decorate('onRequestDone', (listener: RequestDoneListener) => { listeners.push(listener) })
  fastify.addHook('onReady', async () => {
    // DEBUG=true names the upstream url in log lines; the tenant is known once every plugin loaded.
    if (config.DEBUG && fastify.hasDecorator('tenant')) upstreamBase = fastify.tenant.baseUrl
  })

  function done (request: FastifyRequest, reply: FastifyReply, aborted: boolean): void {
    for (const listener of listeners) listener(request, reply, aborted)
  }

  // Callback style on purpose: the hooks and the handler that follow run inside `runObserved`.
  fastify.addHook('onRequest', (request, reply, next) => {
    reply.header('x-request-id', request.id)
    const observation = new RequestObservation(request.id, request.method, request.routeOptions.url ?? UNMATCHED_ROUTE, {
      upstreamBase,
      socket: request.raw.socket,
      traceId: (request as unknown as TracedRequest).opentelemetry?.().span?.spanContext().traceId
    })
    request.observation = observation
    // Fastify reports nothing for an answer cut off before its end (no onResponse): do it here.
    reply.raw.once('close', () => {
      if (reply.raw.writableEnded || !observation.finish()) return
      done(request, reply, true)
      reply.log.info(completedRequestFields(request, reply, true), 'request aborted')
    })
    runObserved(observation, next)
  })

  fastify.addHook('onError', async (request, _reply, error) => {
    if (request.observation) request.observation.error = { ...request.observation.error, ...describeError(error) }
  })

  fastify.addHook('onSend', async (request, reply, payload) => {
    if (reply.statusCode >= 400 && request.observation && reply.getHeader('x-error-source') === 'proxy') {
      const code = answeredCode(payload)
      if (code) request.observation.error = { ...request.observation.error, code }
    }
    return payload
  })

  fastify.addHook('onResponse', async (request, reply) => {
    if (request.observation?.finish()) done(request, reply, false)
  })
}, { name: 'observability', dependencies: ['config'] })
