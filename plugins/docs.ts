import fastifySwagger from '@fastify/swagger'
import fastifySwaggerUi from '@fastify/swagger-ui'
import fp from 'fastify-plugin'
import { PRODUCT_NAME, PRODUCT_VERSION } from '../src/version.js'

/**
 * Routes open without caller credentials (see the contract and plugins/auth.ts); the docs mark
 * them, and routes with `config: { auth: false }`, `security: []`.
 */
export const PUBLIC_ROUTES = new Set(['/', '/health', '/health/live', '/health/ready'])

const PATH_ITEM_FIELDS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace', 'summary', 'description', 'servers', 'parameters', '$ref'])

/**
 * OpenAPI 3.0 path items know only the standard methods; an operation under another key (the
 * passthrough's OData `MERGE`) makes the document invalid. Such operations move to
 * `x-additional-operations`, keyed by method as OpenAPI 3.2's `additionalOperations` is.
 */
export function moveNonStandardOperations<T extends { paths?: Record<string, Record<string, unknown>> }> (document: T): T {
  for (const item of Object.values(document.paths ?? {})) {
    for (const key of Object.keys(item)) {
      if (PATH_ITEM_FIELDS.has(key) || key.startsWith('x-')) continue
      const extra = (item['x-additional-operations'] ?? {}) as Record<string, unknown>
      extra[key.toUpperCase()] = item[key]
      item['x-additional-operations'] = extra
      delete item[key]
    }
  }
  return document
}

/** The document's tags, in the order Swagger UI shows them. */
export const DOC_TAGS = [
  { name: 'sap', description: 'Typed, normalised views of the tenant (paced, coalesced, cached with SAP_CACHE_TTL_MS)' },
  { name: 'token', description: 'The SAP access token the proxy holds (never its value)' },
  { name: 'connection', description: 'Connection tests' },
  { name: 'config', description: 'Effective settings, without secrets' },
  { name: 'passthrough', description: 'Streaming passthrough of any other OData call to `<SAP_BASE_URL>/api/v1/*`' },
  { name: 'health', description: 'Liveness, readiness, health' },
  { name: 'status', description: 'Pages for people' },
  { name: 'metrics', description: 'Prometheus metrics' }
]

/**
 * `@fastify/swagger` (OpenAPI 3) and Swagger UI at `/docs`, `/docs/json`; off with
 * `DOCS_ENABLED=false`. Registered before the routes: swagger collects every route registered
 * after it through `onRoute`, so a plugin registered later (the passthrough's wildcard routes,
 * with `schema: { summary, tags: ['passthrough'] }`) is documented without touching this file.
 * Caller authentication appears as security schemes once API_KEYS or AUTH_JWKS_URL is set.
 * @see https://github.com/fastify/fastify-swagger
 */
export default fp(async function docs (fastify) {
  const { config } = fastify
  if (!config.DOCS_ENABLED) return
  // The same rule as the auth plugin's: keys, or the full JWT trio, and not switched off.
  const authenticated = !config.AUTH_DISABLED && (Boolean(config.API_KEYS?.trim()) || Boolean(config.AUTH_JWKS_URL && config.AUTH_ISSUER && config.AUTH_AUDIENCE))

  await fastify.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: PRODUCT_NAME,
        version: PRODUCT_VERSION,
        description: 'A proxy for the Cloud Integration OData API of an SAP Integration Suite tenant: OAuth handled server-side, typed JSON routes, a streaming passthrough. Errors of the proxy itself are `{ statusCode, error, code, message, requestId }` with `x-error-source: proxy`; SAP errors on the passthrough arrive as SAP sent them.'
      },
      tags: DOC_TAGS,
      ...(authenticated
        ? {
            components: {
              securitySchemes: {
                apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'One of API_KEYS' },
                bearer: { type: 'http', scheme: 'bearer', description: 'An API key, or a JWT of the front end\'s identity provider (AUTH_JWKS_URL)' }
              }
            },
            security: [{ apiKey: [] }, { bearer: [] }]
          }
        : {})
    },
    transformObject: (documentObject) => moveNonStandardOperations((documentObject as { openapiObject: Record<string, unknown> }).openapiObject) as never,
    transform: ({ schema, url, route }) => {
      const open = PUBLIC_ROUTES.has(url) || (route.config as { auth?: unknown } | undefined)?.auth === false
      if (!authenticated || !open) return { schema, url }
      return { schema: { ...schema, security: [] } as typeof schema, url }
    }
  })
  await fastify.register(fastifySwaggerUi, {
    routePrefix: '/docs',
    // No CSP of its own: the hardening plugin's policy (scripts and styles from 'self') suits the UI,
    // and swagger-ui's would add upgrade-insecure-requests, which breaks the page on plain-http loopback.
    uiConfig: { docExpansion: 'list', deepLinking: true, displayRequestDuration: true }
  })
}, { name: 'docs', dependencies: ['config'] })
