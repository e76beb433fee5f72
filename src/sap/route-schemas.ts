import { STATUS_CODES } from 'node:http'
import { Type, type TSchema } from '@sinclair/typebox'
import { IdSchema } from './models.js'

/** The contract's error body (see plugins/error-handler.ts), marked `x-error-source: proxy`. */
export const ProxyErrorSchema = Type.Object({
  statusCode: Type.Integer(),
  error: Type.String({ description: 'HTTP reason phrase' }),
  code: Type.String({ description: 'Stable `SAP_PROXY_*` code' }),
  message: Type.String(),
  requestId: Type.String()
})

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid parameter (e.g. an id outside the allowed pattern)',
  401: 'Caller not authenticated (when API_KEYS or AUTH_JWKS_URL is set)',
  404: 'SAP has no such entity: SAP\'s message',
  429: 'Rate limit of the proxy, with `Retry-After`',
  502: 'SAP unreachable, or SAP answered with an error',
  503: 'No SAP token can be had, or SAP stayed busy (429/503) after retries; with `Retry-After`',
  504: 'SAP did not answer within SAP_TIMEOUT_MS'
}

const ERROR_EXAMPLES: Record<number, { code: string, message: string }> = {
  400: { code: 'SAP_PROXY_BAD_REQUEST', message: 'params/id must match pattern "^[A-Za-z0-9_][A-Za-z0-9_.-]{0,199}$"' },
  401: { code: 'SAP_PROXY_UNAUTHENTICATED', message: 'Caller authentication required' },
  404: { code: 'SAP_PROXY_NOT_FOUND', message: 'Requested entity could not be found.' },
  429: { code: 'SAP_PROXY_RATE_LIMITED', message: 'Rate limit exceeded, retry in 1 minute' },
  502: { code: 'SAP_PROXY_UPSTREAM_ERROR', message: 'SAP answered with an error: 500 Internal Server Error' },
  503: { code: 'SAP_PROXY_TOKEN_UNAVAILABLE', message: 'No SAP access token available: token endpoint answered 401 invalid_client' },
  504: { code: 'SAP_PROXY_UPSTREAM_TIMEOUT', message: 'SAP did not answer within 30000 ms' }
}

/** Response entries for the given error statuses, each with the contract's shape and an example. */
export function errorResponses (...statuses: number[]): Record<number, TSchema> {
  return Object.fromEntries(statuses.map((status) => [status, Type.Object(ProxyErrorSchema.properties, {
    description: ERROR_DESCRIPTIONS[status] ?? STATUS_CODES[status] ?? 'Error',
    examples: [{ statusCode: status, error: STATUS_CODES[status] ?? 'Error', ...ERROR_EXAMPLES[status], requestId: '5c0d1d3e-7f4a-4a53-9a57-8a8a4d2f0b11' }]
  })]))
}

/** The errors every typed SAP read can answer besides its own. */
export const SAP_READ_ERRORS = [400, 401, 429, 502, 503, 504] as const

/** 304 for a matching `If-None-Match`: no body. */
export const NotModifiedSchema = Type.Null({ description: 'Not modified: `If-None-Match` matches the current `ETag`' })

export const RefreshQuerySchema = Type.Object({
  refresh: Type.Optional(Type.Boolean({ description: 'Bypass the result cache (SAP_CACHE_TTL_MS)' }))
})

export const IdParamsSchema = Type.Object({ id: IdSchema })

/** A copy of a schema with examples for the docs (the original stays as it is for checks). */
export function withExamples<T extends TSchema> (schema: T, ...examples: unknown[]): T {
  return { ...schema, examples }
}
