import fp from 'fastify-plugin'
import type { FastifyRequest } from 'fastify'
import { ApiKeys, parseApiKeys } from '../src/auth/api-keys.js'
import { looksLikeJwt, presentedCredential } from '../src/auth/credentials.js'
import { JwksUnavailableError, JwtRejectedError, JwtVerifier } from '../src/auth/jwt.js'
import { listSetting } from '../src/config.js'
import { ProxyErrors } from '../src/errors.js'

export interface Caller {
  /** `key:<hash>` or `jwt:<hash>`: a short one-way name, safe to log and to key rate limits by. */
  id: string
  kind: 'api-key' | 'jwt'
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller; null when authentication is off or the route is open. */
    caller: Caller | null
  }
  interface FastifyContextConfig {
    /** `false` opens a route to unauthenticated callers (a page shell, say); the default is closed. */
    auth?: false
  }
}

/** Open to anyone, as the contract says; every other route (and every unknown one) needs a caller. */
const OPEN_ROUTES = new Set(['/', '/health', '/health/live', '/health/ready'])
const REALM = 'Bearer realm="sap-is-proxy"'

export interface AuthPluginOptions {
  /** JWKS refetch cooldown on an unknown `kid` (tests shorten it). */
  jwksCooldownMs?: number
}

/**
 * Caller authentication: `X-API-Key` / `Authorization: Bearer <key>` against `API_KEYS`, or a JWT
 * verified locally against `AUTH_JWKS_URL`. The credential is identified in `onRequest` (so the
 * rate limiter, next in line, can key by caller) and required in `preParsing`, before any body is
 * read. CORS preflights are answered earlier by the cors plugin and never reach this.
 * @see ../src/auth/
 */
export default fp<AuthPluginOptions>(async function auth (fastify, options) {
  const { config } = fastify
  const keys = new ApiKeys(parseApiKeys(config.API_KEYS))
  const jwt = config.AUTH_JWKS_URL && config.AUTH_ISSUER && config.AUTH_AUDIENCE
    ? new JwtVerifier({
      jwksUrl: config.AUTH_JWKS_URL,
      issuer: config.AUTH_ISSUER,
      audience: listSetting('AUTH_AUDIENCE', config.AUTH_AUDIENCE),
      ...(options.jwksCooldownMs !== undefined ? { cooldownMs: options.jwksCooldownMs } : {})
    })
    : null
  const enabled = keys.size > 0 || jwt !== null

  if (config.AUTH_DISABLED) {
    fastify.log.warn('AUTH_DISABLED=true: the proxy does not authenticate callers; anything that reaches it reaches SAP with the proxy\'s credentials')
  } else if (!enabled) {
    fastify.log.warn('No caller authentication configured (API_KEYS or AUTH_JWKS_URL, AUTH_ISSUER, AUTH_AUDIENCE): every caller may use the proxy. Fine on a laptop; required before exposing it (the start fails in production)')
  } else {
    fastify.log.info({ apiKeys: keys.size, jwt: jwt !== null }, 'caller authentication on')
  }

  fastify.decorateRequest('caller', null)
  if (!enabled) return

  const failures = new WeakMap<FastifyRequest, Error>()
  const isOpen = (request: FastifyRequest): boolean => {
    const route = request.routeOptions.url
    if (route === undefined) return false // unknown routes answer 401 before 404: no route discovery
    if (request.routeOptions.config.auth === false || OPEN_ROUTES.has(route)) return true
    return config.DOCS_ENABLED && (route === '/docs' || route.startsWith('/docs/'))
  }

  async function identify (request: FastifyRequest): Promise<Caller | Error | null> {
    const presented = presentedCredential(request.headers)
    if (presented === null) return null
    if (presented.kind === 'malformed') return new ProxyErrors.CredentialRejected(presented.reason)
    if (jwt && presented.kind === 'bearer' && looksLikeJwt(presented.value)) {
      try {
        return { id: (await jwt.verify(presented.value)).id, kind: 'jwt' }
      } catch (err) {
        if (err instanceof JwtRejectedError) return new ProxyErrors.CredentialRejected(err.reason)
        if (err instanceof JwksUnavailableError) {
          request.log.error({ err: err.cause }, 'JWKS unavailable: JWT callers cannot be checked')
          return Object.assign(new ProxyErrors.AuthUnavailable(), { retryAfterSeconds: 30 })
        }
        throw err
      }
    }
    if (keys.size === 0) return new ProxyErrors.CredentialRejected(presented.kind === 'api-key' ? 'API keys are not accepted here' : 'malformed token')
    const id = keys.match(presented.value)
    return id ? { id, kind: 'api-key' } : new ProxyErrors.CredentialRejected('unknown API key')
  }

  fastify.addHook('onRequest', async (request, reply) => {
    if (isOpen(request)) return
    const outcome = await identify(request)
    if (outcome instanceof Error) {
      failures.set(request, outcome)
    } else if (outcome) {
      request.caller = outcome
      request.log = request.log.child({ callerId: outcome.id })
      reply.log = request.log
    }
  })

  fastify.addHook('preParsing', async (request, reply, payload) => {
    if (request.caller || isOpen(request)) return payload
    const failure = failures.get(request)
    if (((failure as { statusCode?: number } | undefined)?.statusCode ?? 401) === 401) {
      reply.header('www-authenticate', failure ? `${REALM}, error="invalid_token"` : REALM)
    }
    throw failure ?? new ProxyErrors.Unauthenticated()
  })
}, { name: 'auth', dependencies: ['config', 'error-handler'] })
