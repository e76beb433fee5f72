import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { sendStored } from '../../../plugins/sap-client.js'
import { Examples } from '../../../src/sap/examples.js'
import { PackageListSchema, PackageWithIFlowsSchema } from '../../../src/sap/models.js'
import { errorResponses, IdParamsSchema, NotModifiedSchema, RefreshQuerySchema, SAP_READ_ERRORS, withExamples } from '../../../src/sap/route-schemas.js'

/** `GET /api/sap/packages` and `GET /api/sap/packages/:id`. */
const packages: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/packages', {
    schema: {
      summary: 'All integration packages',
      description: 'SAP `IntegrationPackages`, every page, normalised. Answers carry a weak `ETag`; send it back in `If-None-Match` for a 304.',
      tags: ['sap'],
      querystring: RefreshQuerySchema,
      response: { 200: withExamples(PackageListSchema, Examples.packageList), 304: NotModifiedSchema, ...errorResponses(...SAP_READ_ERRORS) }
    }
  }, async (request, reply) => sendStored(request, reply, await fastify.sapCatalog.packages({ refresh: request.query.refresh })))

  fastify.get('/packages/:id', {
    schema: {
      summary: 'One integration package with its iFlows',
      description: 'SAP `IntegrationPackages(\'<id>\')` and its `IntegrationDesigntimeArtifacts`, each iFlow with its runtime state. 404 with SAP\'s message when SAP has no such package.',
      tags: ['sap'],
      params: IdParamsSchema,
      querystring: RefreshQuerySchema,
      response: { 200: withExamples(PackageWithIFlowsSchema, Examples.packageWithIFlows), 304: NotModifiedSchema, ...errorResponses(...SAP_READ_ERRORS, 404) }
    }
  }, async (request, reply) => sendStored(request, reply, await fastify.sapCatalog.package(request.params.id, { refresh: request.query.refresh })))
}

export default packages
