import { randomUUID } from 'node:crypto'
import { STATUS_CODES, type Server } from 'node:http'
import { isIP, type Socket } from 'node:net'
import type { FastifyHttpOptions } from 'fastify'
import { ConfigError, listSetting, type SettingSource } from './config.js'
import { RequestLogController } from './observability/request-log.js'

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/
/** Named ranges that proxy-addr (Fastify's trustProxy) understands. */
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal'])
export const MAX_HEADER_BYTES = 16 * 1024

function isAddressOrCidr (entry: string): boolean {
  if (NAMED_RANGES.has(entry) || isIP(entry) !== 0) return true
  const [address = '', prefix, ...rest] = entry.split('/')
  const family = isIP(address)
  if (family === 0 || prefix === undefined || rest.length > 0 || !/^\d{1,3}$/.test(prefix)) return false
  return Number(prefix) <= (family === 4 ? 32 : 128)
}

/**
 * `TRUST_PROXY` as Fastify's `trustProxy`: the addresses/CIDRs of the load balancers whose
 * `X-Forwarded-For` is believed, never `true` or a hop count (recent Fastify disables numeric
 * trust, and `true` would let every caller choose its own rate-limit bucket).
 * Throws a one-line ConfigError naming the setting.
 */
export function parseTrustProxy (value: string | undefined): string[] {
  const entries = listSetting('TRUST_PROXY', value)
  const bad = entries.find((entry) => !isAddressOrCidr(entry))
  if (bad !== undefined) {
    throw new ConfigError(`Invalid setting TRUST_PROXY: "${bad}" is not an IP address or CIDR (list the load balancers' addresses; true and hop counts are refused)`)
  }
  return entries
}

function trustProxyOption (value: string | undefined): false | string[] {
  try {
    const entries = parseTrustProxy(value)
    return entries.length > 0 ? entries : false
  } catch {
    return false // the config plugin refuses the start with a clear line; until then trust nobody
  }
}

/** Answers a request Node refused before Fastify saw it (header overflow, timeouts, bad framing) in the contract's error shape. */
function clientErrorHandler (err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  const [statusCode, code, message] = err.code === 'HPE_HEADER_OVERFLOW'
    ? [431, 'SAP_PROXY_HEADERS_TOO_LARGE', `Request headers exceed ${MAX_HEADER_BYTES} bytes`]
    : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'SAP_PROXY_REQUEST_TIMEOUT', 'The request was not received in time']
      : [400, 'SAP_PROXY_BAD_REQUEST', 'Malformed HTTP request']
  const error = STATUS_CODES[statusCode] ?? 'Error'
  const requestId = randomUUID()
  const body = JSON.stringify({ statusCode, error, code, message, requestId })
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${statusCode} ${error}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nx-error-source: proxy\r\nx-request-id: ${requestId}\r\nConnection: close\r\n\r\n${body}`)
  }
  socket.destroy()
}

/**
 * Fastify's own options, shared by `server.ts` and the tests. Timeouts are set on purpose so a
 * slow client cannot hold a socket forever; a caller's request id is kept only when it is sane.
 */
export function serverOptions (settings: SettingSource = {}): FastifyHttpOptions<Server> {
  // A socket silent in both directions for longer than the proxy would wait on SAP is dead: cut it.
  const idleMs = Math.max(Number(settings.SAP_BODY_TIMEOUT_MS) || 300_000, Number(settings.SAP_TIMEOUT_MS) || 30_000) + 10_000
  return {
    requestTimeout: 0, // streamed transfers of hundreds of MB must not be cut by a global deadline
    connectionTimeout: idleMs,
    keepAliveTimeout: 72_000, // above the 60 s idle timeout of common load balancers
    http: { headersTimeout: 20_000, maxHeaderSize: MAX_HEADER_BYTES },
    trustProxy: trustProxyOption(settings.TRUST_PROXY),
    clientErrorHandler,
    bodyLimit: 1024 * 1024,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    requestIdHeader: false, // genReqId reads it, keeping only sane values
    logController: new RequestLogController({ requestIdLogLabel: 'requestId' }), // one line per request
    genReqId: (request) => {
      const incoming = request.headers['x-request-id']
      return typeof incoming === 'string' && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID()
    },
    routerOptions: { ignoreTrailingSlash: false, caseSensitive: true, maxParamLength: 500 }
  }
}
