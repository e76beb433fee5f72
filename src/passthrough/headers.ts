import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http'

/**
 * Request headers a caller may send on to SAP: content negotiation, conditional requests, OData
 * versions and body framing. Everything else (the caller's `Authorization`, `Cookie`,
 * `X-CSRF-Token`, `X-Forwarded-*`, `Forwarded`, method overrides, hop-by-hop headers and whatever
 * `Connection` lists) is left behind, so no list in `Connection` can remove what the proxy adds.
 */
const FORWARDED_REQUEST_HEADERS = [
  'accept',
  'accept-charset',
  'accept-encoding',
  'accept-language',
  'content-type',
  'content-encoding',
  'content-language',
  'content-disposition',
  'content-md5',
  'slug',
  'if-match',
  'if-none-match',
  'if-modified-since',
  'if-unmodified-since',
  'if-range',
  'range',
  'dataserviceversion',
  'maxdataserviceversion',
  'mindataserviceversion',
  'odata-version',
  'odata-maxversion',
  'prefer',
  'sap-language',
  'sap-client'
] as const

/** Response headers SAP may send back to the caller; SAP's cookies, CSRF token and auth challenge stay behind. */
const FORWARDED_RESPONSE_HEADERS = [
  'content-type',
  'content-length',
  'content-encoding',
  'content-language',
  'content-disposition',
  'content-range',
  'accept-ranges',
  'etag',
  'last-modified',
  'cache-control',
  'expires',
  'vary',
  'location',
  'retry-after',
  'dataserviceversion',
  'odata-version',
  'preference-applied',
  'sap-message',
  'x-correlationid'
] as const

export interface UpstreamHeaderParts {
  host: string
  authorization: string
  requestId: string
  userAgent: string
  /** Only for requests that carry a body; GET and HEAD never send one upstream. */
  contentLength?: string | undefined
  /** The proxy's own CSRF session with SAP, when it has one. */
  csrf?: { token: string, cookie: string } | undefined
}

export function upstreamRequestHeaders (incoming: IncomingHttpHeaders, parts: UpstreamHeaderParts): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = incoming[name]
    if (typeof value === 'string') headers[name] = value
  }
  headers.host = parts.host
  headers['user-agent'] = parts.userAgent
  headers['x-request-id'] = parts.requestId
  headers['x-correlationid'] = parts.requestId
  if (parts.contentLength !== undefined) headers['content-length'] = parts.contentLength
  if (parts.csrf) {
    headers['x-csrf-token'] = parts.csrf.token
    headers.cookie = parts.csrf.cookie
  }
  headers.authorization = parts.authorization
  return headers
}

export function downstreamResponseHeaders (incoming: IncomingHttpHeaders | OutgoingHttpHeaders): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {}
  for (const name of FORWARDED_RESPONSE_HEADERS) {
    const value = incoming[name]
    if (typeof value === 'string' || Array.isArray(value)) headers[name] = value
    else if (typeof value === 'number') headers[name] = String(value)
  }
  return headers
}
