import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { request } from 'undici'
import { parseList } from '../../../src/config.js'
import { ProxyErrors } from '../../../src/errors.js'
import { HostAllowlist } from '../../../src/sap/allowed-hosts.js'
import { CONNECTION_TEST_PATH, testConnection, type ConnectionProbe } from '../../../src/sap/connection-test.js'
import { Examples } from '../../../src/sap/examples.js'
import { ConnectionTestBodySchema, ConnectionTestResultSchema } from '../../../src/sap/models.js'
import { errorResponses, withExamples } from '../../../src/sap/route-schemas.js'
import { fetchClientCredentialsToken } from '../../../src/sap/oauth.js'

const FIELDS = ['baseUrl', 'tokenUrl', 'clientId', 'clientSecret'] as const

/** The body: all four fields, or none (then the configured tenant is tested). */
const BodySchema = Type.Partial(ConnectionTestBodySchema, {
  additionalProperties: false,
  description: 'All four fields to test other credentials (never stored), or none to test the configured tenant',
  examples: [{}, { baseUrl: 'https://mytenant.it-cpi018.cfapps.eu10-003.hana.ondemand.com', tokenUrl: 'https://mytenant.authentication.eu10.hana.ondemand.com/oauth/token', clientId: 'sb-1a2b3c4d!b12345|it!b5678', clientSecret: '<client secret>' }]
})

/**
 * `POST /api/tenants/test-connection`: a token, then `IntegrationPackages?$top=1`, each step
 * timed. With credentials in the body they are used for this request only, and only towards
 * hosts of SAP_ALLOWED_HOSTS or the configured tenant: anything else is refused before a
 * connection is made, so the route cannot be used to reach arbitrary hosts.
 */
const testConnectionRoute: FastifyPluginAsyncTypebox = async (fastify) => {
  const { config, tenant } = fastify
  const allowlist = new HostAllowlist(parseList(config.SAP_ALLOWED_HOSTS), [tenant.baseUrl, tenant.tokenUrl])
  if (allowlist.invalid.length > 0) fastify.log.warn({ entries: allowlist.invalid }, 'SAP_ALLOWED_HOSTS entries ignored: not a host, *.domain or host:port')

  fastify.post('/test-connection', {
    schema: {
      summary: 'Test the connection to a tenant: token, then one API call',
      description: `Obtains a token and calls \`${CONNECTION_TEST_PATH}\`, reporting each step's success and latency (200 either way; \`success\` tells). Without a body the configured tenant is tested. Credentials in the body are tested against their tenant and never stored; both urls must be on a host allowed by SAP_ALLOWED_HOSTS or be the configured tenant's, else 400 and no connection is made.`,
      tags: ['connection'],
      body: BodySchema,
      response: { 200: withExamples(ConnectionTestResultSchema, ...Examples.connectionTest), ...errorResponses(400, 401, 429) }
    },
    preValidation: async (req) => {
      // An empty POST has no body at all; it means "the configured tenant".
      if (req.body === undefined || req.body === null) req.body = {}
    }
  }, async (req) => {
    const body = req.body
    const given = FIELDS.filter((field) => body[field] !== undefined)
    if (given.length === 0) return testConnection(configuredProbe())
    if (given.length < FIELDS.length) {
      throw new ProxyErrors.BadRequest(`test-connection needs all of ${FIELDS.join(', ')}, or none (missing: ${FIELDS.filter((field) => body[field] === undefined).join(', ')})`)
    }
    const { baseUrl, tokenUrl, clientId, clientSecret } = body as Required<typeof body>
    for (const [field, url] of [['baseUrl', baseUrl], ['tokenUrl', tokenUrl]] as const) {
      if (!allowlist.allows(url)) {
        throw new ProxyErrors.BadRequest(`${field} is not on an allowed host (SAP_ALLOWED_HOSTS or the configured tenant): ${hostOf(url)}`)
      }
    }
    return testConnection(bodyProbe(baseUrl.replace(/\/+$/, '').replace(/\/api\/v1$/, ''), tokenUrl, clientId, clientSecret))
  })

  /** The configured tenant: its token provider (a held token counts) and a paced call. */
  function configuredProbe (): ConnectionProbe {
    return {
      token: () => tenant.tokens.get(),
      api: async () => {
        const response = await fastify.sap.pacer.run(() => tenant.callApi(CONNECTION_TEST_PATH))
        await response.body.dump()
        return response.statusCode
      }
    }
  }

  /** Other credentials: used for these two calls only, over the tenant's TLS-verifying pool. */
  function bodyProbe (baseUrl: string, tokenUrl: string, clientId: string, clientSecret: string): ConnectionProbe {
    return {
      secrets: [clientSecret],
      token: async () => (await fetchClientCredentialsToken({ tokenUrl, clientId, clientSecret, timeoutMs: config.SAP_TOKEN_TIMEOUT_MS, dispatcher: tenant.dispatcher })).accessToken,
      api: async (accessToken) => {
        const response = await request(`${baseUrl}/api/v1/${CONNECTION_TEST_PATH}`, {
          headers: { accept: 'application/json', authorization: `Bearer ${accessToken}` },
          dispatcher: tenant.dispatcher,
          signal: AbortSignal.timeout(config.SAP_TIMEOUT_MS)
        })
        await response.body.dump()
        return response.statusCode
      }
    }
  }
}

function hostOf (url: string): string {
  try {
    return new URL(url).host
  } catch {
    return 'an invalid url'
  }
}

export default testConnectionRoute
