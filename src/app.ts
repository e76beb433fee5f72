import type { FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import auth from '../plugins/auth.js'
import config from '../plugins/config.js'
import cors from '../plugins/cors.js'
import docs from '../plugins/docs.js'
import errorHandler from '../plugins/error-handler.js'
import hardening from '../plugins/hardening.js'
import metrics from '../plugins/metrics.js'
import observability from '../plugins/observability.js'
import rateLimit from '../plugins/rate-limit.js'
import requestGuard from '../plugins/request-guard.js'
import sapClient, { type SapClientPluginOptions } from '../plugins/sap-client.js'
import sapTenant, { type SapTenantPluginOptions } from '../plugins/sap-tenant.js'
import apiConfig from '../routes/api/config.js'
import passthrough from '../routes/api/passthrough.js'
import sapIflows from '../routes/api/sap/iflows.js'
import sapPackages from '../routes/api/sap/packages.js'
import sapTenantData from '../routes/api/sap/tenant-data.js'
import sapToken from '../routes/api/sap/token.js'
import testConnection from '../routes/api/tenants/test-connection.js'
import health, { type HealthRoutesOptions } from '../routes/health.js'
import metricsRoute from '../routes/metrics.js'
import root from '../routes/root.js'
import statusPage from '../routes/status/index.js'
import type { SettingSource } from './config.js'

export interface AppOptions {
  /** Merged setting sources (see `collectSettings`); validated by the config plugin. */
  settings: SettingSource
  sandbox?: SapTenantPluginOptions['sandbox']
  tokenBackoffMs?: SapTenantPluginOptions['tokenBackoffMs']
  health?: HealthRoutesOptions
  sapClient?: SapClientPluginOptions
}

/** The whole application as one plugin: `server.ts` listens with it, tests register the same. */
const app: FastifyPluginAsync<AppOptions> = async (fastify, options) => {
  // Infrastructure, in dependency order.
  await fastify.register(config, { settings: options.settings })
  // Request ids and per-request context first: every later hook, log line and answer has them.
  await fastify.register(observability)
  await fastify.register(errorHandler)
  await fastify.register(requestGuard)
  await fastify.register(sapTenant, {
    ...(options.sandbox ? { sandbox: options.sandbox } : {}),
    ...(options.tokenBackoffMs ? { tokenBackoffMs: options.tokenBackoffMs } : {})
  })
  await fastify.register(sapClient, options.sapClient ?? {})
  await fastify.register(metrics)
  // Edge: security, documentation (registered before the routes they describe or guard).
  // Hook order matters: shed load and set headers first, answer CORS preflights, identify the
  // caller, count the request against its limit, then require a caller (preParsing, before a body is read).
  await fastify.register(hardening)
  await fastify.register(cors)
  await fastify.register(auth)
  await fastify.register(rateLimit)
  await fastify.register(docs)

  // Routes.
  await fastify.register(root)
  await fastify.register(health, options.health ?? {})
  await fastify.register(metricsRoute)
  await fastify.register(apiConfig, { prefix: '/api' })
  await fastify.register(sapPackages, { prefix: '/api/sap' })
  await fastify.register(sapIflows, { prefix: '/api/sap' })
  await fastify.register(sapTenantData, { prefix: '/api/sap' })
  await fastify.register(sapToken, { prefix: '/api/sap' })
  await fastify.register(testConnection, { prefix: '/api/tenants' })
  await fastify.register(statusPage)
  // The OData passthrough last: the typed routes above are more specific and keep precedence.
  await fastify.register(passthrough)
}

export default fp(app, { name: 'sap-is-proxy' })
