import createError from '@fastify/error'

/**
 * The errors the proxy itself produces. Each has a stable `SAP_PROXY_*` code and a status;
 * the error handler turns them into the contract's `{ statusCode, error, code, message, requestId }`.
 */
export const ProxyErrors = {
  Unauthenticated: createError('SAP_PROXY_UNAUTHENTICATED', 'Caller authentication required', 401),
  CredentialRejected: createError('SAP_PROXY_UNAUTHENTICATED', 'Caller credential rejected: %s', 401),
  AuthUnavailable: createError('SAP_PROXY_AUTH_UNAVAILABLE', 'Caller credentials cannot be checked right now (the identity provider\'s keys are unavailable), retry later', 503),
  UriTooLong: createError('SAP_PROXY_URI_TOO_LONG', 'Request target exceeds %s bytes', 414),
  HeadersTooLarge: createError('SAP_PROXY_HEADERS_TOO_LARGE', '%s', 431),
  NotFound: createError('SAP_PROXY_NOT_FOUND', '%s', 404),
  MethodNotAllowed: createError('SAP_PROXY_METHOD_NOT_ALLOWED', 'Method %s is not allowed: the proxy forwards only %s (set SAP_ALLOW_WRITES=true to allow writes)', 405),
  PayloadTooLarge: createError('SAP_PROXY_PAYLOAD_TOO_LARGE', 'Request body exceeds SAP_MAX_UPLOAD_BYTES (%s bytes)', 413),
  BadPath: createError('SAP_PROXY_BAD_PATH', 'Malformed or escaping path: %s', 400),
  BadRequest: createError('SAP_PROXY_BAD_REQUEST', '%s', 400),
  RateLimited: createError('SAP_PROXY_RATE_LIMITED', 'Rate limit exceeded, retry in %s', 429),
  TokenUnavailable: createError('SAP_PROXY_TOKEN_UNAVAILABLE', 'No SAP access token available: %s', 503),
  Overloaded: createError('SAP_PROXY_OVERLOADED', 'The proxy is overloaded, retry later', 503),
  UpstreamUnreachable: createError('SAP_PROXY_UPSTREAM_UNREACHABLE', 'SAP could not be reached', 502),
  UpstreamError: createError('SAP_PROXY_UPSTREAM_ERROR', 'SAP answered with an error: %s', 502),
  UpstreamTimeout: createError('SAP_PROXY_UPSTREAM_TIMEOUT', 'SAP did not answer within %s ms', 504),
  UpstreamBusy: createError('SAP_PROXY_UPSTREAM_BUSY', 'SAP is busy (%s), retry later', 503)
} as const
