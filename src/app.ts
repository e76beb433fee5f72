import type { FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import config from '../plugins/config.js'
import errorHandler from '../plugins/error-handler.js'
import requestGuard from '../plugins/request-guard.js'
import sapTenant, { type SapTenantPluginOptions } from '../plugins/sap-tenant.js'
import passthrough from '../routes/api/passthrough.js'
import health, { type HealthRoutesOptions } from '../routes/health.js'
import root from '../routes/root.js'
import type { SettingSource } from './config.js'

export interface AppOptions {
  /** Merged setting sources (see `collectSettings`); validated by the config plugin. */
  settings: SettingSource
  sandbox?: SapTenantPluginOptions['sandbox']
  tokenBackoffMs?: SapTenantPluginOptions['tokenBackoffMs']
  health?: HealthRoutesOptions
}

/** The whole application as one plugin: `server.ts` listens with it, tests register the same. */
const app: FastifyPluginAsync<AppOptions> = async (fastify, options) => {
  // Infrastructure, in dependency order.
  await fastify.register(config, { settings: options.settings })
  await fastify.register(errorHandler)
  await fastify.register(requestGuard)
  await fastify.register(sapTenant, {
    ...(options.sandbox ? { sandbox: options.sandbox } : {}),
    ...(options.tokenBackoffMs ? { tokenBackoffMs: options.tokenBackoffMs } : {})
  })
  // Edge: security, documentation (registered before the routes they describe or guard).

  // Routes.
  await fastify.register(root)
  await fastify.register(health, options.health ?? {})
  // The OData passthrough last: the typed routes above are more specific and keep precedence.
  await fastify.register(passthrough)
}

export default fp(app, { name: 'sap-is-proxy' })
