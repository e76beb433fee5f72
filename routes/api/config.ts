import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { EnvSchema, SECRET_SETTINGS, type Env } from '../../src/config.js'
import { Examples } from '../../src/sap/examples.js'
import { errorResponses, withExamples } from '../../src/sap/route-schemas.js'

const SECRET = new Set<string>(SECRET_SETTINGS)
/** Every setting except the secret ones. The response schema is an allowlist: what is not in it is never serialised. */
export const PUBLIC_SETTINGS = Object.keys(EnvSchema.properties).filter((name) => !SECRET.has(name)) as Array<keyof Env>

const SettingValue = Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()])

export const ConfigSchema = Type.Object({
  tenant: Type.Object({
    label: Type.String({ description: '`sandbox`, or the host of the configured tenant' }),
    sandbox: Type.Boolean(),
    baseUrl: Type.String(),
    tokenUrl: Type.String(),
    clientId: Type.String({ description: 'Masked' })
  }),
  settings: Type.Object(Object.fromEntries(PUBLIC_SETTINGS.map((name) => [name, SettingValue])), { description: 'Effective settings (null: unset). Secrets are never listed.' })
})

/** A url without user info, in case one was configured with it. */
function withoutUserInfo (url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.username === '' && parsed.password === '') return url
    parsed.username = ''
    parsed.password = ''
    return parsed.toString()
  } catch {
    return url
  }
}

/** `GET /api/config`: the effective settings, client id masked, no secret. */
const config: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/config', {
    schema: {
      summary: 'Effective settings, without secrets',
      description: 'The client id is masked; SAP_CLIENT_SECRET, API_KEYS, REDIS_URL and VCAP_SERVICES never appear.',
      tags: ['config'],
      response: { 200: withExamples(ConfigSchema, Examples.config), ...errorResponses(401, 429) }
    }
  }, async () => {
    const { tenant } = fastify
    const settings: Record<string, string | number | boolean | null> = {}
    for (const name of PUBLIC_SETTINGS) {
      const value = fastify.config[name]
      settings[name] = value === undefined ? null : typeof value === 'string' && /^https?:\/\//.test(value) ? withoutUserInfo(value) : value
    }
    if (settings.SAP_CLIENT_ID !== null) settings.SAP_CLIENT_ID = tenant.maskedClientId
    return {
      tenant: {
        label: tenant.label,
        sandbox: fastify.sandbox !== null,
        baseUrl: withoutUserInfo(tenant.baseUrl),
        tokenUrl: withoutUserInfo(tenant.tokenUrl),
        clientId: tenant.maskedClientId
      },
      settings
    }
  })
}

export default config
