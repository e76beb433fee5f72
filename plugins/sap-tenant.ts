import { readFileSync } from 'node:fs'
import fp from 'fastify-plugin'
import { ConfigError, tenantSettings, type TenantSettings } from '../src/config.js'
import type { Sandbox, SandboxOptions } from '../src/sandbox/index.js'
import { Tenant } from '../src/sap/tenant.js'

declare module 'fastify' {
  interface FastifyInstance {
    tenant: Tenant
    /** The built-in sandbox tenant when no tenant is configured, else null. */
    sandbox: Sandbox | null
  }
}

export interface SapTenantPluginOptions {
  /** Options of the built-in sandbox, started when no tenant is configured. */
  sandbox?: SandboxOptions
  tokenBackoffMs?: { base: number, max: number }
}

function readCa (path: string | undefined): string | undefined {
  if (!path) return undefined
  try {
    return readFileSync(path, 'utf8')
  } catch (err) {
    throw new ConfigError(`Invalid setting SAP_CA_FILE: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`)
  }
}

/**
 * The SAP tenant the proxy talks to: the configured one, or the built-in sandbox started on
 * loopback, reached over HTTP exactly like SAP.
 */
export default fp<SapTenantPluginOptions>(async function sapTenant (fastify, options) {
  const { config } = fastify
  let target: TenantSettings & { label?: string } | null = tenantSettings(config)
  let sandbox: Sandbox | null = null
  if (!target) {
    // Loaded only when needed: a deployment with a real tenant never runs sandbox code.
    sandbox = await (await import('../src/sandbox/index.js')).startSandbox(options.sandbox)
    target = { baseUrl: sandbox.url, tokenUrl: sandbox.tokenUrl, clientId: sandbox.clientId, clientSecret: sandbox.clientSecret, label: 'sandbox' }
  }
  const tenant = new Tenant({
    ...target,
    tokenTimeoutMs: config.SAP_TOKEN_TIMEOUT_MS,
    headersTimeoutMs: config.SAP_TIMEOUT_MS,
    bodyTimeoutMs: config.SAP_BODY_TIMEOUT_MS,
    ...(config.SAP_CA_FILE ? { ca: readCa(config.SAP_CA_FILE) } : {}),
    ...(options.tokenBackoffMs ? { tokenBackoffMs: options.tokenBackoffMs } : {})
  })
  fastify.decorate('tenant', tenant)
  fastify.decorate('sandbox', sandbox)
  fastify.addHook('onClose', async () => {
    await tenant.close()
    await sandbox?.close()
  })
}, { name: 'sap-tenant', dependencies: ['config'] })
