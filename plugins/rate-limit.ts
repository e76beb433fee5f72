import { createRequire } from 'node:module'
import fastifyRateLimit, { normalizeIP } from '@fastify/rate-limit'
import type { FastifyBaseLogger, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { Redis } from 'ioredis'
import { ConfigError } from '../src/config.js'
import { ProxyErrors } from '../src/errors.js'
import { parseTrustProxy } from '../src/server-options.js'

type StoreCallback = (err: Error | null, result?: { current: number, ttl: number }) => void
interface CounterStore { incr (key: string, callback: StoreCallback, timeWindow: number, max: number): void }
type CounterStoreCtor = new (continueExceeding: boolean, exponentialBackoff: boolean, backend?: unknown, option?: unknown) => CounterStore

// The plugin's own stores (its main module exports neither): Redis through one Lua script per
// request (INCR + PEXPIRE, atomic across instances), local through an LRU.
const require = createRequire(import.meta.url)
const RedisStore = require('@fastify/rate-limit/store/RedisStore.js') as CounterStoreCtor
const LocalStore = require('@fastify/rate-limit/store/LocalStore.js') as CounterStoreCtor

/** The contract exempts these from rate limiting (probes and the landing answer). */
const EXEMPT_ROUTES = new Set(['/', '/health', '/health/live', '/health/ready'])
const LOCAL_KEYS = 10_000
const REDIS_KEY_PREFIX = 'sap-is-proxy:rate-limit:'

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, sec: 1000, second: 1000, m: 60_000, min: 60_000, minute: 60_000, h: 3_600_000, hr: 3_600_000, hour: 3_600_000, d: 86_400_000, day: 86_400_000 }

/** `RATE_LIMIT_WINDOW` in ms: `1 minute`, `30 s`, `2h`, or plain milliseconds. */
export function parseWindow (value: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value)
  const unit = match?.[2]?.toLowerCase() ?? ''
  const factor = unit === '' ? 1 : UNIT_MS[unit] ?? UNIT_MS[unit.replace(/s$/, '')]
  const ms = match && factor ? Math.round(Number(match[1]) * factor) : NaN
  if (!Number.isFinite(ms) || ms < 1000) {
    throw new ConfigError('Invalid setting RATE_LIMIT_WINDOW: expected a duration of at least 1 s, like "1 minute", "30 s" or "2 hours"')
  }
  return ms
}

/**
 * Rate-limit counters in Redis, shared by every instance. While Redis is unreachable the proxy
 * keeps serving and counts per instance instead (so each instance still limits, but the limit no
 * longer holds across instances), logs that at error level once per outage, and goes back to
 * Redis by itself when it answers again. A 503 for every caller because a counter store is down
 * would turn a Redis outage into a full outage.
 */
class FailoverCounters implements CounterStore {
  readonly #redis: Redis
  readonly #shared: CounterStore
  readonly #local = new LocalStore(false, false, LOCAL_KEYS)
  readonly #log: FastifyBaseLogger
  #degraded = false

  constructor (redis: Redis, log: FastifyBaseLogger) {
    this.#redis = redis
    this.#shared = new RedisStore(false, false, redis, REDIS_KEY_PREFIX)
    this.#log = log
  }

  get degraded (): boolean {
    return this.#degraded
  }

  markDown (err?: Error): void {
    if (this.#degraded) return
    this.#degraded = true
    this.#log.error({ err: err ? { message: err.message, code: (err as NodeJS.ErrnoException).code } : undefined },
      'rate limit: Redis is unreachable; counting per instance until it is back (the limit no longer holds across instances)')
  }

  markUp (): void {
    if (!this.#degraded) return
    this.#degraded = false
    this.#log.warn('rate limit: Redis answers again; counters are shared across instances')
  }

  incr (key: string, callback: StoreCallback, timeWindow: number, max: number): void {
    if (this.#redis.status !== 'ready') {
      this.markDown()
      this.#local.incr(key, callback, timeWindow, max)
      return
    }
    this.#shared.incr(key, (err, result) => {
      if (err) {
        this.markDown(err)
        this.#local.incr(key, callback, timeWindow, max)
        return
      }
      this.markUp()
      callback(null, result)
    }, timeWindow, max)
  }

  child (): this {
    return this
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Where the rate-limit counters live right now. */
    rateLimitStore: { kind: 'local' | 'redis', degraded: boolean }
  }
}

/**
 * `RATE_LIMIT_MAX` requests per `RATE_LIMIT_WINDOW` per caller: the authenticated caller's id
 * (set by the auth plugin just before), else the client address (`request.ip`, which believes
 * `X-Forwarded-For` only from `TRUST_PROXY` peers). Unknown routes count too; only `/` and the
 * health probes are exempt. Answers 429 in the contract's shape with `Retry-After` and the
 * `RateLimit-*` headers.
 * @see https://datatracker.ietf.org/doc/draft-ietf-httpapi-ratelimit-headers/
 */
export default fp(async function rateLimit (fastify) {
  const { config } = fastify
  const timeWindow = parseWindow(config.RATE_LIMIT_WINDOW)
  // `serverOptions` already handed TRUST_PROXY to Fastify (trusting nobody when it is malformed);
  // here a malformed value stops the start with one line.
  parseTrustProxy(config.TRUST_PROXY)
  let counters: FailoverCounters | null = null

  if (config.REDIS_URL) {
    const redis = new Redis(config.REDIS_URL, {
      lazyConnect: true,
      enableOfflineQueue: false, // fail fast while disconnected: the local counters take over
      maxRetriesPerRequest: 0,
      commandTimeout: 500,
      connectTimeout: 2000,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2000)
    })
    const log = fastify.log.child({ component: 'rate-limit' })
    counters = new FailoverCounters(redis, log)
    const shared = counters
    redis.on('error', (err: Error) => { shared.markDown(err) })
    redis.on('ready', () => { shared.markUp() })
    try {
      await redis.connect()
      log.info('rate limit: counters in Redis, shared across instances')
    } catch (err) {
      shared.markDown(err as Error) // keeps reconnecting in the background
    }
    fastify.addHook('onClose', async () => {
      if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect())
      else redis.disconnect()
    })
  }

  fastify.decorate('rateLimitStore', {
    get kind () { return counters ? 'redis' as const : 'local' as const },
    get degraded () { return counters?.degraded ?? false }
  })

  // The plugin constructs its store itself (`new options.store(params)`): hand it the one we made.
  const store = counters
  const SharedStore = function () { return store }
  await fastify.register(fastifyRateLimit, {
    global: false, // applied below by one root hook, so 404s and every plugin's routes count too
    max: config.RATE_LIMIT_MAX,
    timeWindow,
    cache: LOCAL_KEYS,
    keyGenerator: (request: FastifyRequest) => request.caller?.id ?? `ip:${normalizeIP(request.ip)}`,
    ...(store ? { store: SharedStore as never } : {})
  })
  const limit = fastify.createRateLimit()

  fastify.addHook('onRequest', async (request, reply) => {
    const route = request.routeOptions.url
    if (route !== undefined && EXEMPT_ROUTES.has(route)) return
    const result = await limit(request)
    if (result.isAllowed) return
    const resetSeconds = Math.max(1, result.ttlInSeconds)
    reply.header('ratelimit-limit', result.max)
    reply.header('ratelimit-remaining', result.remaining)
    reply.header('ratelimit-reset', resetSeconds)
    if (result.isExceeded) {
      throw Object.assign(new ProxyErrors.RateLimited(`${resetSeconds} s`), { retryAfterSeconds: resetSeconds })
    }
  })
}, { name: 'rate-limit', dependencies: ['config', 'error-handler', 'auth'] })
