import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { PRODUCT_NAME, PRODUCT_VERSION } from '../src/version.js'

export const RootSchema = Type.Object({
  name: Type.String(),
  version: Type.String(),
  status: Type.Literal('running'),
  tenant: Type.String({ description: '`sandbox`, or the host of the configured tenant' }),
  docs: Type.String()
}, { $id: 'Root' })

const root: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/', {
    schema: {
      summary: 'What this service is and which tenant it serves',
      tags: ['health'],
      response: { 200: RootSchema }
    }
  }, async () => ({ name: PRODUCT_NAME, version: PRODUCT_VERSION, status: 'running' as const, tenant: fastify.tenant.label, docs: '/docs' }))
}

export default root
