import type { FastifyError } from 'fastify'
import type { Env } from '../config.js'
import { ProxyErrors } from '../errors.js'
import { errorChain, isUpstreamTimeout } from '../sap/transport-errors.js'
import { BodyTooLargeError } from './body-limit.js'

/**
 * Maps what reply-from and undici report into the proxy's catalogue. Their own messages carry
 * upstream addresses, so they are logged, never answered.
 */
export function classifyUpstreamError (error: Error, config: Pick<Env, 'SAP_TIMEOUT_MS' | 'SAP_MAX_UPLOAD_BYTES'>): FastifyError {
  const errors = errorChain(error)
  if (errors.some((e) => e instanceof BodyTooLargeError)) return new ProxyErrors.PayloadTooLarge(config.SAP_MAX_UPLOAD_BYTES)
  if (errors.some((e) => e.code?.startsWith('SAP_PROXY_'))) return errors.find((e) => e.code?.startsWith('SAP_PROXY_')) as FastifyError
  if (isUpstreamTimeout(error)) return new ProxyErrors.UpstreamTimeout(config.SAP_TIMEOUT_MS, { cause: error })
  return new ProxyErrors.UpstreamUnreachable({ cause: error })
}
