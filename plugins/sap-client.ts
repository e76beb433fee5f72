import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { etagMatches, ResultStore, type Stored } from '../src/sap/cache.js'
import { SapCatalog } from '../src/sap/catalog.js'
import { Pacer } from '../src/sap/pacer.js'
import { SapClient } from '../src/sap/sap-client.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The proxy's own paced, retrying, paging calls to SAP's API. */
    sap: SapClient
    /** The typed routes' views (packages, iFlows, the tenant snapshot), coalesced and cached. */
    sapCatalog: SapCatalog
  }
}

export interface SapClientPluginOptions {
  /** Retry tuning, for tests; the defaults suit SAP. */
  retry?: { maxRetries?: number, baseBackoffMs?: number, maxBackoffMs?: number, maxRetryDelayMs?: number }
}

/**
 * The SAP client of the typed routes: one pacer per tenant (`SAP_MAX_RPS`, a few calls in
 * flight), so concurrent requests share the budget SAP allows; results coalesced and, with
 * `SAP_CACHE_TTL_MS`, cached.
 * @see ../src/sap/sap-client.ts
 */
export default fp<SapClientPluginOptions>(async function sapClient (fastify, options) {
  const { config, tenant } = fastify
  const pacer = new Pacer({ ratePerSecond: config.SAP_MAX_RPS, maxInFlight: Math.max(1, Math.min(8, Math.ceil(config.SAP_MAX_RPS / 2))) })
  const client = new SapClient({ api: tenant, pacer, timeoutMs: config.SAP_TIMEOUT_MS, ...options.retry })
  const store = new ResultStore({ ttlMs: config.SAP_CACHE_TTL_MS })
  fastify.decorate('sap', client)
  fastify.decorate('sapCatalog', new SapCatalog({ client, store, tenantLabel: tenant.label }))
  fastify.addHook('onClose', async () => { pacer.close() })
}, { name: 'sap-client', dependencies: ['config', 'sap-tenant'] })

/**
 * Answers a stored view with its weak `ETag`; 304 without a body when `If-None-Match` matches.
 * `no-cache`: browsers may keep the answer but must revalidate it.
 */
export function sendStored<T> (request: FastifyRequest, reply: FastifyReply, stored: Stored<T>): T | FastifyReply {
  reply.header('etag', stored.etag).header('cache-control', 'private, no-cache')
  if (etagMatches(request.headers['if-none-match'], stored.etag)) return reply.code(304).send()
  return stored.value
}
