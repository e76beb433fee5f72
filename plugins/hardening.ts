import fastifyHelmet from '@fastify/helmet'
import fastifyUnderPressure from '@fastify/under-pressure'
import fp from 'fastify-plugin'
import { ProxyErrors } from '../src/errors.js'
import { MAX_HEADER_BYTES } from '../src/server-options.js'

/** Longer request targets answer 414 (the header size limit, 431, bounds the rest). */
export const MAX_URL_BYTES = 8192
/** More request headers answer 431. Browsers send about 20; load balancers add a few. */
export const MAX_HEADER_COUNT = 100
const OVERLOAD_RETRY_AFTER_SECONDS = 10

export interface HardeningOptions {
  /** How often the load is sampled (tests shorten it). */
  pressureSampleIntervalMs?: number
}

/**
 * Headers and limits for an API on the public internet: helmet's headers with a CSP that still
 * lets `/docs` (Swagger UI) and pages with scripts and styles from `self` work, load shedding
 * (503 + Retry-After) when the event loop or memory is overloaded, and limits on the request
 * target and the number of headers.
 * @see https://helmetjs.github.io/ and https://github.com/fastify/under-pressure
 */
export default fp<HardeningOptions>(async function hardening (fastify, options) {
  const { config } = fastify

  // Node keeps only the first `maxHeadersCount` headers and silently drops the rest, which let a
  // framing header hide from the application (fixed only in Node 22+): ask for one more than the
  // limit, and refuse requests that reach it.
  fastify.server.maxHeadersCount = MAX_HEADER_COUNT + 1
  fastify.addHook('onRequest', async (request, reply) => {
    if (request.raw.rawHeaders.length > MAX_HEADER_COUNT * 2) {
      reply.header('connection', 'close') // what else was on this connection is not to be trusted
      throw new ProxyErrors.HeadersTooLarge(`More than ${MAX_HEADER_COUNT} request headers (limit ${MAX_HEADER_BYTES} bytes in all)`)
    }
    if ((request.raw.url ?? '').length > MAX_URL_BYTES) throw new ProxyErrors.UriTooLong(MAX_URL_BYTES)
  })

  await fastify.register(fastifyUnderPressure, {
    maxEventLoopDelay: config.PRESSURE_MAX_EVENT_LOOP_DELAY_MS,
    maxEventLoopUtilization: config.PRESSURE_MAX_EVENT_LOOP_UTILIZATION,
    maxHeapUsedBytes: config.PRESSURE_MAX_HEAP_USED_BYTES,
    maxRssBytes: config.PRESSURE_MAX_RSS_BYTES,
    ...(options.pressureSampleIntervalMs ? { sampleInterval: options.pressureSampleIntervalMs } : {}),
    retryAfter: OVERLOAD_RETRY_AFTER_SECONDS,
    pressureHandler: async (request, _reply, type, value) => {
      // Liveness stays green under load: restarting a busy process only moves its load elsewhere.
      if (request.routeOptions.url === '/health/live') return
      request.log.warn({ pressure: type, value }, 'shedding load')
      throw Object.assign(new ProxyErrors.Overloaded(), { retryAfterSeconds: OVERLOAD_RETRY_AFTER_SECONDS })
    }
  })

  await fastify.register(fastifyHelmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        baseUri: ["'self'"],
        connectSrc: ["'self'"],
        fontSrc: ["'self'", 'data:'],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        imgSrc: ["'self'", 'data:'],
        objectSrc: ["'none'"],
        scriptSrc: ["'self'"],
        scriptSrcAttr: ["'none'"],
        // Swagger UI applies inline styles (test/security/docs-csp-browser.test.ts fails without this); scripts stay self-only.
        styleSrc: ["'self'", "'unsafe-inline'"]
      }
    },
    crossOriginResourcePolicy: { policy: 'same-origin' },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true }
  })
}, { name: 'hardening', dependencies: ['config', 'error-handler'] })
