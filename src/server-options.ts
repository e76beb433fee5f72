import { randomUUID } from 'node:crypto'
import type { Server } from 'node:http'
import { LogController, type FastifyHttpOptions } from 'fastify'

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

/**
 * Fastify's own options, shared by `server.ts` and the tests. Timeouts are set on purpose so a
 * slow client cannot hold a socket forever; a caller's request id is kept only when it is sane.
 */
export function serverOptions (): FastifyHttpOptions<Server> {
  return {
    requestTimeout: 0, // streamed transfers of hundreds of MB must not be cut by a global deadline
    connectionTimeout: 0,
    keepAliveTimeout: 72_000, // above the 60 s idle timeout of common load balancers
    http: { headersTimeout: 20_000, maxHeaderSize: 16 * 1024 },
    bodyLimit: 1024 * 1024,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    requestIdHeader: false, // genReqId reads it, keeping only sane values
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    genReqId: (request) => {
      const incoming = request.headers['x-request-id']
      return typeof incoming === 'string' && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID()
    },
    routerOptions: { ignoreTrailingSlash: false, caseSensitive: true, maxParamLength: 500 }
  }
}
