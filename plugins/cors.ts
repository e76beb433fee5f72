import fastifyCors from '@fastify/cors'
import fp from 'fastify-plugin'
import { ConfigError, listSetting } from '../src/config.js'
import { ProxyErrors } from '../src/errors.js'

/** Request headers a front end may send: credentials, content negotiation, conditional requests, OData. */
export const CORS_ALLOWED_HEADERS = [
  'Accept', 'Accept-Language', 'Authorization', 'Content-Type', 'Content-Disposition', 'DataServiceVersion',
  'MaxDataServiceVersion', 'MinDataServiceVersion', 'OData-Version', 'OData-MaxVersion', 'If-Match', 'If-None-Match',
  'If-Modified-Since', 'Prefer', 'Range', 'Slug', 'X-API-Key', 'X-CSRF-Token', 'X-Request-Id'
]
export const CORS_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'MERGE']
/** Response headers a front end may read. */
export const CORS_EXPOSED_HEADERS = [
  'Content-Disposition', 'DataServiceVersion', 'ETag', 'Location', 'OData-Version', 'RateLimit-Limit', 'RateLimit-Remaining',
  'RateLimit-Reset', 'Retry-After', 'sap-message', 'X-CSRF-Token', 'X-Error-Source', 'X-Request-Id'
]
export const CORS_MAX_AGE_SECONDS = 600

/** `ALLOWED_ORIGINS` as exact origins (`scheme://host[:port]`); `*`, `null`, paths and wildcards are refused. */
export function parseAllowedOrigins (value: string | undefined): string[] {
  return listSetting('ALLOWED_ORIGINS', value).map((entry) => {
    let origin: string | undefined
    try {
      const url = new URL(entry)
      origin = /^https?:$/.test(url.protocol) && /^(?:[a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])$/i.test(url.hostname) ? url.origin : undefined
    } catch { /* not a url */ }
    if (origin !== entry) {
      throw new ConfigError(`Invalid setting ALLOWED_ORIGINS: "${entry}" is not an exact origin like https://app.example.com (no path, no trailing slash, no wildcard)`)
    }
    return origin
  })
}

/**
 * CORS for browser front ends: only the exact origins of `ALLOWED_ORIGINS` get
 * `Access-Control-Allow-Origin`; every answer varies on `Origin`. Preflights are answered here, in
 * `onRequest`, before authentication and before any route (the passthrough registers no OPTIONS,
 * so none can reach SAP). Credentials (cookies) stay off: callers authenticate with headers.
 * CORS is not access control: that is the auth plugin's job.
 */
export default fp(async function cors (fastify) {
  const origins = parseAllowedOrigins(fastify.config.ALLOWED_ORIGINS)
  if (origins.length === 0) {
    fastify.log.info('CORS off: ALLOWED_ORIGINS is empty, browsers on other origins cannot call the proxy')
    return
  }

  // Only CORS preflights have a use here; anything else answers in the contract's shape rather
  // than @fastify/cors's plain-text 400.
  fastify.addHook('onRequest', async (request) => {
    if (request.method === 'OPTIONS' && (!request.headers.origin || !request.headers['access-control-request-method'])) {
      throw new ProxyErrors.BadRequest('OPTIONS is answered only as a CORS preflight (Origin and Access-Control-Request-Method)')
    }
  })
  await fastify.register(fastifyCors, {
    origin: origins, // an array: exact string comparison, the request origin is echoed only on a match
    methods: CORS_METHODS,
    allowedHeaders: CORS_ALLOWED_HEADERS,
    exposedHeaders: CORS_EXPOSED_HEADERS,
    maxAge: CORS_MAX_AGE_SECONDS,
    credentials: false,
    strictPreflight: true,
    preflightContinue: false,
    hideOptionsRoute: true
  })
  // The passthrough copies SAP's `Vary` over the one set above; caches must still key on Origin.
  fastify.addHook('onSend', async (_request, reply, payload) => {
    const vary = reply.getHeader('vary')
    const values = (Array.isArray(vary) ? vary.join(',') : String(vary ?? '')).split(',').map((name) => name.trim()).filter(Boolean)
    if (!values.some((name) => name === '*' || name.toLowerCase() === 'origin')) reply.header('vary', [...values, 'Origin'].join(', '))
    return payload
  })
  fastify.log.debug({ origins }, 'CORS on for the allowed origins')
  const local = origins.filter((origin) => origin.startsWith('http://'))
  if (fastify.config.ENVIRONMENT === 'production' && local.length > 0) {
    fastify.log.warn({ origins: local }, 'ALLOWED_ORIGINS lists plain-http origins (the development defaults?): set the front ends\' https origins')
  }
}, { name: 'cors', dependencies: ['config', 'error-handler'] })
