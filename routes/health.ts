import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { TenantHealth } from '../src/sap/health.js'
import { PRODUCT_VERSION } from '../src/version.js'

export const HealthSchema = Type.Object({
  status: Type.Union([Type.Literal('healthy'), Type.Literal('degraded'), Type.Literal('unhealthy')]),
  timestamp: Type.String({ description: 'ISO 8601' }),
  version: Type.String(),
  uptimeSeconds: Type.Integer(),
  services: Type.Object({
    api: Type.Literal('running'),
    sap_connection: Type.Union([Type.Literal('healthy'), Type.Literal('unhealthy'), Type.Literal('unknown')]),
    token: Type.Union([Type.Literal('valid'), Type.Literal('missing'), Type.Literal('error')])
  })
}, { $id: 'Health' })

const ProbeSchema = Type.Object({ status: Type.String() })

export interface HealthRoutesOptions {
  /** How long a probe of SAP stands for `/health`, so polling never floods the tenant. */
  probeTtlMs?: number
}

const health: FastifyPluginAsyncTypebox<HealthRoutesOptions> = async (fastify, { probeTtlMs = 5000 }) => {
  const tenantHealth = new TenantHealth(fastify.tenant, probeTtlMs)
  const startedAt = Date.now()
  let draining = false
  fastify.addHook('preClose', async () => { draining = true })

  fastify.get('/health', {
    schema: {
      summary: 'Health of the proxy, its token and its connection to SAP',
      description: '`healthy` with a valid token and a working SAP connection, `degraded` while serving with a problem, `unhealthy` (503) when no token can be had.',
      tags: ['health'],
      response: { 200: HealthSchema, 503: HealthSchema }
    }
  }, async (_request, reply) => {
    const report = await tenantHealth.check()
    reply.code(report.status === 'unhealthy' ? 503 : 200)
    return {
      ...report,
      timestamp: new Date().toISOString(),
      version: PRODUCT_VERSION,
      uptimeSeconds: Math.floor((Date.now() - startedAt) / 1000)
    }
  })

  fastify.get('/health/live', {
    schema: { summary: 'Liveness: 200 while the process serves', tags: ['health'], response: { 200: ProbeSchema } }
  }, async () => ({ status: 'live' }))

  fastify.get('/health/ready', {
    schema: {
      summary: 'Readiness: 200 when a valid token is held or can be obtained',
      tags: ['health'],
      response: { 200: ProbeSchema, 503: ProbeSchema }
    }
  }, async (_request, reply) => {
    if (draining) return reply.code(503).send({ status: 'draining' })
    try {
      await fastify.tenant.tokens.get()
      return { status: 'ready' }
    } catch {
      return reply.code(503).send({ status: 'not ready' })
    }
  })
}

export default health
