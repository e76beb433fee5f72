import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { sendStored } from '../../../plugins/sap-client.js'
import { Examples } from '../../../src/sap/examples.js'
import { TenantDataSchema } from '../../../src/sap/models.js'
import { errorResponses, NotModifiedSchema, RefreshQuerySchema, SAP_READ_ERRORS, withExamples } from '../../../src/sap/route-schemas.js'

/** `GET /api/sap/base-tenant-data`: the whole-tenant snapshot. */
const tenantData: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/base-tenant-data', {
    schema: {
      summary: 'Snapshot of the tenant: every package with its iFlows and their runtime state',
      description: 'One paced fan-out over all packages (calls to SAP stay under SAP_MAX_RPS; SAP\'s 429/503 are retried). Identical requests in flight share one set of SAP calls. The weak `ETag` covers the content, not `fetchedAt`.',
      tags: ['sap'],
      querystring: RefreshQuerySchema,
      response: { 200: withExamples(TenantDataSchema, Examples.tenantData), 304: NotModifiedSchema, ...errorResponses(...SAP_READ_ERRORS) }
    }
  }, async (request, reply) => sendStored(request, reply, await fastify.sapCatalog.tenantData({ refresh: request.query.refresh })))
}

export default tenantData
