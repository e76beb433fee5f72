import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { sendStored } from '../../../plugins/sap-client.js'
import { Examples } from '../../../src/sap/examples.js'
import { IdSchema, IFlowDetailSchema, IFlowListSchema } from '../../../src/sap/models.js'
import { errorResponses, IdParamsSchema, NotModifiedSchema, RefreshQuerySchema, SAP_READ_ERRORS, withExamples } from '../../../src/sap/route-schemas.js'

const IFlowsQuerySchema = Type.Composite([
  Type.Object({ packageId: Type.Optional({ ...IdSchema, description: 'Only the iFlows of this package' }) }),
  RefreshQuerySchema
])

/** `GET /api/sap/iflows` and `GET /api/sap/iflows/:id`. */
const iflows: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/iflows', {
    schema: {
      summary: 'All iFlows of the tenant, or of one package',
      description: 'SAP has no GET on `IntegrationDesigntimeArtifacts`: this is a paced fan-out over `IntegrationPackages(\'<id>\')/IntegrationDesigntimeArtifacts`, joined with `IntegrationRuntimeArtifacts`. With `packageId`, 404 when SAP has no such package.',
      tags: ['sap'],
      querystring: IFlowsQuerySchema,
      response: { 200: withExamples(IFlowListSchema, Examples.iflowList), 304: NotModifiedSchema, ...errorResponses(...SAP_READ_ERRORS, 404) }
    }
  }, async (request, reply) => sendStored(request, reply, await fastify.sapCatalog.iflows(request.query.packageId, { refresh: request.query.refresh })))

  fastify.get('/iflows/:id', {
    schema: {
      summary: 'One iFlow with its configuration parameters',
      description: 'SAP `IntegrationDesigntimeArtifacts(Id=\'<id>\',Version=\'active\')`, its `Configurations` and its runtime state. 404 with SAP\'s message when SAP has no such iFlow.',
      tags: ['sap'],
      params: IdParamsSchema,
      querystring: RefreshQuerySchema,
      response: { 200: withExamples(IFlowDetailSchema, Examples.iflowDetail), 304: NotModifiedSchema, ...errorResponses(...SAP_READ_ERRORS, 404) }
    }
  }, async (request, reply) => sendStored(request, reply, await fastify.sapCatalog.iflow(request.params.id, { refresh: request.query.refresh })))
}

export default iflows
