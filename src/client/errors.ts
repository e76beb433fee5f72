/**
 * The one error type the client throws. `source` tells who answered: the proxy itself (its
 * contract's `{ statusCode, error, code, message, requestId }` with `x-error-source: proxy`), SAP
 * (an error the passthrough returned as SAP sent it), or nobody (`client`: a timeout, a network
 * failure, or a CORS refusal, which browsers report as a network failure).
 */

/** Codes of errors that happen before an answer arrives; the proxy's own are `SAP_PROXY_*`. */
export const ClientErrorCodes = {
  /** No answer within `timeoutMs`. */
  TIMEOUT: 'CLIENT_TIMEOUT',
  /** The request failed without an answer: proxy down, DNS, or the browser's CORS check. */
  NETWORK: 'CLIENT_NETWORK',
  /** A success answer that is not the JSON the route promises. */
  BAD_RESPONSE: 'CLIENT_BAD_RESPONSE'
} as const

export type ErrorSource = 'proxy' | 'sap' | 'client'

export interface SapProxyErrorInit {
  message: string
  status: number
  code: string | null
  source: ErrorSource
  requestId?: string | null
  retryAfterSeconds?: number | null
  body?: unknown
  cause?: unknown
}

export class SapProxyError extends Error {
  override name = 'SapProxyError'
  /** HTTP status; 0 when no answer arrived. */
  readonly status: number
  /** The proxy's `SAP_PROXY_*` code, SAP's OData error code, or a `CLIENT_*` code; null when SAP gave none. */
  readonly code: string | null
  readonly source: ErrorSource
  /** The proxy's request id (body or `x-request-id`), to find the request in the proxy's logs. */
  readonly requestId: string | null
  /** From `Retry-After` (429, 503), in seconds. */
  readonly retryAfterSeconds: number | null
  /** The parsed body (JSON) or its text. */
  readonly body: unknown

  constructor (init: SapProxyErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause })
    this.status = init.status
    this.code = init.code
    this.source = init.source
    this.requestId = init.requestId ?? null
    this.retryAfterSeconds = init.retryAfterSeconds ?? null
    this.body = init.body ?? null
  }

  get fromProxy (): boolean { return this.source === 'proxy' }
  get fromSap (): boolean { return this.source === 'sap' }
}

/** Also true for an error made by another copy of this module (bundlers may load two). */
export function isSapProxyError (err: unknown): err is SapProxyError {
  return err instanceof SapProxyError ||
    (err instanceof Error && err.name === 'SapProxyError' && typeof (err as { source?: unknown }).source === 'string')
}

function retryAfter (value: string | null): number | null {
  if (value === null || value.trim() === '') return null
  if (/^\d+$/.test(value.trim())) return Number(value.trim())
  const date = Date.parse(value)
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - Date.now()) / 1000))
}

function asRecord (value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : null
}

/** SAP's OData error, JSON (`{ error: { code, message: { value } } }`) or XML (`<error><code/><message/></error>`). */
function sapError (body: unknown, text: string): { code: string | null, message: string | null } {
  const error = asRecord(asRecord(body)?.error)
  if (error) {
    const message = asRecord(error.message)?.value ?? error.message
    return { code: typeof error.code === 'string' ? error.code : null, message: typeof message === 'string' ? message : null }
  }
  const xmlCode = /<(?:\w+:)?code>([^<]*)</.exec(text)?.[1]
  const xmlMessage = /<(?:\w+:)?message[^>]*>([^<]*)</.exec(text)?.[1]
  if (xmlCode !== undefined || xmlMessage !== undefined) return { code: xmlCode?.trim() || null, message: xmlMessage?.trim() || null }
  return { code: null, message: text.trim() === '' ? null : text.trim().slice(0, 300) }
}

/** Reads an error answer (consuming its body) into a `SapProxyError`. */
export async function errorFromResponse (response: Response, what: string): Promise<SapProxyError> {
  const text = await response.text().catch(() => '')
  let body: unknown = text
  if (/\bjson\b/i.test(response.headers.get('content-type') ?? '')) {
    try { body = JSON.parse(text) } catch { /* keep the text */ }
  }
  const common = {
    status: response.status,
    retryAfterSeconds: retryAfter(response.headers.get('retry-after')),
    body
  }
  const headerRequestId = response.headers.get('x-request-id')
  if (response.headers.get('x-error-source') === 'proxy') {
    const proxy = asRecord(body)
    const code = typeof proxy?.code === 'string' ? proxy.code : null
    const message = typeof proxy?.message === 'string' ? proxy.message : `${response.status} ${response.statusText}`
    const requestId = typeof proxy?.requestId === 'string' ? proxy.requestId : headerRequestId
    return new SapProxyError({ ...common, source: 'proxy', code, requestId, message: `${what}: ${message}` })
  }
  const sap = sapError(body, text)
  return new SapProxyError({
    ...common,
    source: 'sap',
    code: sap.code,
    requestId: headerRequestId,
    message: `${what}: SAP answered ${response.status}${sap.message ? `: ${sap.message}` : ''}`
  })
}
