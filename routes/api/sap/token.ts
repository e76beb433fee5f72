import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Examples } from '../../../src/sap/examples.js'
import { TokenStatusSchema } from '../../../src/sap/models.js'
import { errorResponses, withExamples } from '../../../src/sap/route-schemas.js'

/** `POST /api/sap/refresh-token` and `GET /api/sap/token-status`: the token, never its value. */
const token: FastifyPluginAsyncTypebox = async (fastify) => {
  const { tokens } = fastify.tenant

  fastify.post('/refresh-token', {
    schema: {
      summary: 'Obtain a new SAP access token now',
      description: 'Shares a token request already under way. Answers the token status; 503 with `Retry-After` when the token endpoint fails.',
      tags: ['token'],
      response: { 200: withExamples(TokenStatusSchema, Examples.tokenStatus), ...errorResponses(401, 429, 503) }
    }
  }, async () => {
    await tokens.refresh()
    return tokens.status()
  })

  fastify.get('/token-status', {
    schema: {
      summary: 'State of the SAP access token (never the token)',
      tags: ['token'],
      response: { 200: withExamples(TokenStatusSchema, Examples.tokenStatus), ...errorResponses(401, 429) }
    }
  }, async () => tokens.status())
}

export default token
