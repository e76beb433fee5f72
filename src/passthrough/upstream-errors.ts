import type { FastifyError } from 'fastify'
import type { Env } from '../config.js'
import { ProxyErrors } from '../errors.js'
import { BodyTooLargeError } from './body-limit.js'

const TIMEOUT_CODES = new Set(['FST_REPLY_FROM_GATEWAY_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'FST_REPLY_FROM_CONNECT_TIMEOUT'])

function chain (error: unknown): Array<Error & { code?: string }> {
  const errors: Array<Error & { code?: string }> = []
  for (let current = error; current instanceof Error && errors.length < 5; current = current.cause) errors.push(current)
  return errors
}

/**
 * Maps what reply-from and undici report into the proxy's catalogue. Their own messages carry
 * upstream addresses, so they are logged, never answered.
 */
export function classifyUpstreamError (error: Error, config: Pick<Env, 'SAP_TIMEOUT_MS' | 'SAP_MAX_UPLOAD_BYTES'>): FastifyError {
  const errors = chain(error)
  if (errors.some((e) => e instanceof BodyTooLargeError)) return new ProxyErrors.PayloadTooLarge(config.SAP_MAX_UPLOAD_BYTES)
  if (errors.some((e) => e.code?.startsWith('SAP_PROXY_'))) return errors.find((e) => e.code?.startsWith('SAP_PROXY_')) as FastifyError
  if (errors.some((e) => TIMEOUT_CODES.has(e.code ?? ''))) return new ProxyErrors.UpstreamTimeout(config.SAP_TIMEOUT_MS, { cause: error })
  return new ProxyErrors.UpstreamUnreachable({ cause: error })
}
