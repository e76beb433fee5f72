/** What undici and reply-from call a request that ran out of time (connect or first byte). */
const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'FST_REPLY_FROM_CONNECT_TIMEOUT',
  'FST_REPLY_FROM_GATEWAY_TIMEOUT'
])

/** An error and its causes, outermost first (reply-from wraps undici's). */
export function errorChain (error: unknown): Array<Error & { code?: string }> {
  const errors: Array<Error & { code?: string }> = []
  for (let current = error; current instanceof Error && errors.length < 5; current = current.cause) errors.push(current)
  return errors
}

/** True when a call to SAP failed for time, not for want of a connection: 504 rather than 502. */
export function isUpstreamTimeout (error: unknown): boolean {
  return errorChain(error).some((e) => TIMEOUT_CODES.has(e.code ?? ''))
}
