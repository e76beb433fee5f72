import { AsyncLocalStorage } from 'node:async_hooks'
import { randomBytes } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import { pipeline, type Readable } from 'node:stream'
import httpProxy from '@fastify/http-proxy'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Dispatcher } from 'undici'
import { ProxyErrors } from '../../src/errors.js'
import { BodyLimit, BodyTooLargeError } from '../../src/passthrough/body-limit.js'
import { CsrfTokens, isCsrfRefusal, type CsrfSession } from '../../src/passthrough/csrf.js'
import { downstreamResponseHeaders, upstreamRequestHeaders } from '../../src/passthrough/headers.js'
import { LinkRewriter, rewriteLinks, tenantLinkReplacements, tenantLinkSpellings, type Replacement } from '../../src/passthrough/link-rewriter.js'
import { upstreamTarget, UnsafePathError, type UpstreamTarget } from '../../src/passthrough/path-guard.js'
import { classifyUpstreamError } from '../../src/passthrough/upstream-errors.js'
import { recompressing } from '../../src/passthrough/encoding.js'
import { PRODUCT_VERSION } from '../../src/version.js'

export const PASSTHROUGH_MOUNTS = ['/api/sap', '/api/v1'] as const
const READ_METHODS = ['GET', 'HEAD']
const WRITE_METHODS = ['POST', 'PUT', 'PATCH', 'DELETE', 'MERGE']
/** Write bodies up to this size are buffered, so a write refused for a stale token or CSRF can be replayed. */
const REPLAYABLE_BODY_BYTES = 1024 * 1024
const REWRITABLE_TYPE = /\b(?:json|xml)\b/i
const SANE_HOST = /^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/

interface PassthroughState {
  target: UpstreamTarget
  token: string
  /** The buffered write body, when small enough to replay; null for streamed bodies and reads. */
  body: Buffer | null
  replayable: boolean
  attempts: { token: boolean, csrf: boolean }
  csrf: CsrfSession | undefined
  /** Response headers the last upstream answer set, cleared before a replay. */
  copiedHeaders: string[]
  abort: AbortController
  /** When the current attempt was sent to SAP (`performance.now()`), for metrics and the log line. */
  sentAt: number
}

declare module 'fastify' {
  interface FastifyRequest {
    passthrough: PassthroughState | null
  }
}

type ReplyOptions = NonNullable<Parameters<FastifyReply['from']>[1]>
interface UpstreamResponse { statusCode: number, headers: IncomingHttpHeaders, stream: Readable }

function declaredLength (headers: IncomingHttpHeaders): number | undefined {
  const value = headers['content-length']
  return value === undefined ? undefined : Number(value)
}

async function readBody (stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

/**
 * The streaming OData passthrough: `<mount>/*` is forwarded to `<tenant>/api/v1/*` with the
 * proxy's bearer, request and response bodies streamed both ways.
 * @see ../../src/passthrough/ for the path guard, header allowlists and the link rewriter.
 */
export default async function passthrough (fastify: FastifyInstance): Promise<void> {
  const { config, tenant } = fastify
  const allowedMethods = config.SAP_ALLOW_WRITES ? [...READ_METHODS, ...WRITE_METHODS] : READ_METHODS
  const allowHeader = allowedMethods.join(', ')
  const userAgent = `sap-is-proxy/${PRODUCT_VERSION}`
  const upstreamHost = new URL(tenant.baseUrl).host
  const upstreamOrigin = new URL(tenant.baseUrl).origin
  const linkSpellings = tenantLinkSpellings(tenant.baseUrl)
  const csrf = new CsrfTokens(async () => tenant.dispatcher.request({
    origin: upstreamOrigin,
    path: '/api/v1/',
    method: 'GET',
    headers: { host: upstreamHost, 'x-csrf-token': 'Fetch', authorization: `Bearer ${await tenant.tokens.get()}` }
  }).then(
    (response) => { tenant.recordCsrfFetch(response.statusCode); return response },
    (err: unknown) => { tenant.recordCsrfFetch(null); throw err }
  ))
  // Answered to SAP-aware callers that ask for a token: the proxy accepts writes with or without it,
  // and SAP's own token never leaves the proxy.
  const callerCsrfToken = randomBytes(18).toString('base64url')

  // reply-from calls `request` synchronously inside `reply.from`, so the caller's abort signal
  // travels with it through async context and reaches undici.
  const abortScope = new AsyncLocalStorage<AbortSignal>()
  const abortableDispatcher = {
    request: (options: Dispatcher.RequestOptions, callback: (err: Error | null, data: Dispatcher.ResponseData) => void) => {
      const signal = abortScope.getStore()
      return tenant.dispatcher.request(signal ? { ...options, signal } : options, callback)
    }
  }

  if (!fastify.supportedMethods.includes('MERGE')) fastify.addHttpMethod('MERGE', { hasBody: true })
  fastify.decorateRequest('passthrough', null)

  for (const mount of PASSTHROUGH_MOUNTS) {
    await fastify.register(async function mountPassthrough (scope) {
      scope.addHook('onRoute', (route) => {
        const documented: Record<string, unknown> = {
          ...route.schema,
          summary: `Any OData call, forwarded to <tenant>/api/v1${route.url.slice(mount.length)}`,
          description: `Streams to the tenant with the proxy's bearer token. Examples: \`GET ${mount}/IntegrationPackages?$top=5&$format=json\`, \`GET ${mount}/IntegrationDesigntimeArtifacts(Id='MyFlow',Version='active')/$value\`. ${config.SAP_ALLOW_WRITES ? 'Writes are allowed.' : 'Only GET and HEAD are forwarded (SAP_ALLOW_WRITES=false).'}`,
          tags: ['passthrough']
        }
        route.schema = documented
      })
      await scope.register(httpProxy, {
        upstream: tenant.baseUrl,
        prefix: mount,
        rewritePrefix: '/api/v1',
        httpMethods: [...READ_METHODS, ...WRITE_METHODS],
        undici: abortableDispatcher as never,
        internalRewriteLocationHeader: false,
        disableRequestLogging: true,
        preHandler: (request, reply) => prepare(request, reply, mount),
        handler: (request, reply) => forward(request, reply, mount)
      })
    })
  }

  async function prepare (request: FastifyRequest, reply: FastifyReply, mount: string): Promise<void> {
    let target: UpstreamTarget
    try {
      target = upstreamTarget(request.raw.url ?? '', mount)
    } catch (err) {
      if (err instanceof UnsafePathError) throw new ProxyErrors.BadPath(err.message)
      throw err
    }
    const method = request.method
    if (!allowedMethods.includes(method)) {
      reply.header('allow', allowHeader)
      throw new ProxyErrors.MethodNotAllowed(method, allowHeader)
    }
    const length = declaredLength(request.headers)
    const isRead = READ_METHODS.includes(method)
    if (isRead && ((length !== undefined && length > 0) || request.headers['transfer-encoding'] !== undefined)) {
      throw new ProxyErrors.BadRequest(`A ${method} request must not carry a body`)
    }
    if (length !== undefined && length > config.SAP_MAX_UPLOAD_BYTES) {
      throw new ProxyErrors.PayloadTooLarge(config.SAP_MAX_UPLOAD_BYTES)
    }

    const abort = new AbortController()
    reply.raw.once('close', () => { if (!reply.raw.writableFinished) abort.abort() })

    const token = await tenant.tokens.get()
    let body: Buffer | null = null
    if (!isRead && length !== undefined && length <= REPLAYABLE_BODY_BYTES) {
      body = await readBody(request.raw)
    } else if (!isRead) {
      request.body = request.raw.pipe(new BodyLimit(config.SAP_MAX_UPLOAD_BYTES))
    }
    let session = config.SAP_CSRF === 'off' || isRead ? undefined : csrf.current
    if (!isRead && config.SAP_CSRF === 'always' && !session) session = await csrf.renew()

    request.passthrough = {
      target,
      token,
      body,
      replayable: isRead || body !== null,
      attempts: { token: false, csrf: false },
      csrf: session,
      copiedHeaders: [],
      abort,
      sentAt: 0
    }
  }

  function forward (request: FastifyRequest, reply: FastifyReply, mount: string): FastifyReply {
    const state = request.passthrough!
    if (request.headers['x-csrf-token']?.toString().toLowerCase() === 'fetch') reply.header('x-csrf-token', callerCsrfToken)
    const options: ReplyOptions = {
      queryString: () => state.target.query,
      retryDelay: () => null,
      rewriteRequestHeaders: (req, headers) => upstreamRequestHeaders(req.headers, {
        host: upstreamHost,
        authorization: `Bearer ${state.token}`,
        requestId: req.id,
        userAgent,
        contentLength: state.body ? String(state.body.length) : READ_METHODS.includes(req.method) ? undefined : headers['content-length'] as string | undefined,
        csrf: state.csrf
      }),
      rewriteHeaders: (headers, req) => {
        const downstream = downstreamResponseHeaders(headers)
        if (typeof downstream.location === 'string') downstream.location = rewriteLinks(downstream.location, linkReplacements(req as FastifyRequest, mount))
        state.copiedHeaders = Object.keys(downstream)
        return downstream
      },
      onResponse: (req, rep, res) => { onUpstreamResponse(req as FastifyRequest, rep as FastifyReply, res as unknown as UpstreamResponse, mount) },
      onError: (rep, { error }) => { onUpstreamError(rep as FastifyReply, error) },
      ...(state.body ? { body: state.body, contentType: request.headers['content-type'] ?? 'application/octet-stream' } : {})
    }
    state.sentAt = performance.now()
    return abortScope.run(state.abort.signal, () => reply.from(state.target.path, options))
  }

  /** What an attempt got from SAP (null: no answer), for `/health`, metrics and the request's log line. */
  function recordAttempt (request: FastifyRequest, statusCode: number | null): void {
    const state = request.passthrough
    if (!state) return tenant.recordCall(statusCode)
    const { target, sentAt } = state
    tenant.recordCall(statusCode, { method: request.method, durationMs: performance.now() - sentAt, path: target.query ? `${target.path}?${target.query}` : target.path })
  }

  function onUpstreamResponse (request: FastifyRequest, reply: FastifyReply, res: UpstreamResponse, mount: string): void {
    const state = request.passthrough!
    recordAttempt(request, res.statusCode)

    // SAP refused the token: drop it whatever happens next, so the following request gets a new one.
    if (res.statusCode === 401) tenant.tokens.invalidate(state.token)
    if (res.statusCode === 401 && state.replayable && !state.attempts.token) {
      state.attempts.token = true
      res.stream.resume()
      replay(request, reply, mount, async () => { state.token = await tenant.tokens.get() })
      return
    }
    if (config.SAP_CSRF !== 'off' && isCsrfRefusal(res.statusCode, res.headers)) {
      if (state.replayable && !state.attempts.csrf) {
        state.attempts.csrf = true
        res.stream.resume()
        replay(request, reply, mount, async () => { state.csrf = await csrf.renew(state.csrf) })
        return
      }
      // Not replayable (a streamed body): renew for the caller's own retry, pass SAP's answer on.
      csrf.renew(state.csrf).catch((err) => request.log.warn({ err }, 'CSRF token fetch failed'))
    }

    const type = String(res.headers['content-type'] ?? '')
    const hasBody = request.method !== 'HEAD' && res.statusCode !== 204 && res.statusCode !== 304
    if (!hasBody || !REWRITABLE_TYPE.test(type)) {
      reply.send(res.stream)
      return
    }
    const rewriting = recompressing(res.headers['content-encoding'], new LinkRewriter(linkReplacements(request, mount)))
    if (!rewriting) {
      reply.send(res.stream)
      return
    }
    reply.removeHeader('content-length')
    reply.send(pipeline([res.stream, ...rewriting], () => { /* an error destroys the last stream, and with it the reply */ }))
  }

  function replay (request: FastifyRequest, reply: FastifyReply, mount: string, renew: () => Promise<void>): void {
    const state = request.passthrough!
    for (const name of state.copiedHeaders) reply.removeHeader(name)
    reply.code(200)
    renew().then(
      () => { forward(request, reply, mount) },
      (err: Error) => { reply.send(err) }
    )
  }

  function onUpstreamError (reply: FastifyReply, error: Error): void {
    const state = reply.request.passthrough
    if (state?.abort.signal.aborted) return
    if (!(error.cause instanceof BodyTooLargeError)) recordAttempt(reply.request, null)
    reply.send(classifyUpstreamError(error, config))
  }

  function linkReplacements (request: FastifyRequest, mount: string): Replacement[] {
    const host = SANE_HOST.test(request.host) ? request.host : `127.0.0.1:${config.PORT}`
    return tenantLinkReplacements(linkSpellings, `${request.protocol}://${host}${mount}`)
  }
}
