import Fastify from 'fastify'
import t from 'tap'
import config from '../../plugins/config.js'
import type { SettingSource } from '../../src/config.js'
import { build } from '../helper.js'

const TENANT = {
  SAP_BASE_URL: 'https://t1.it-cpi001.cfapps.eu10.hana.ondemand.com',
  SAP_TOKEN_URL: 'https://t1.authentication.eu10.hana.ondemand.com/oauth/token',
  SAP_CLIENT_ID: 'sb-client',
  SAP_CLIENT_SECRET: 'a-client-secret-value'
}
const KEY = 'production-key-0123456789abcdef'

async function startError (settings: SettingSource): Promise<Error | null> {
  const app = Fastify({ logger: false })
  try {
    await app.register(config, { settings })
    await app.ready()
    return null
  } catch (err) {
    return err as Error
  } finally {
    await app.close()
  }
}

t.test('production without caller authentication does not start', async (t) => {
  const err = await startError({ ENVIRONMENT: 'production', ...TENANT })
  t.match(err?.message, /^Invalid setting API_KEYS: caller authentication is required in production/)
  t.notOk(err?.message.includes('\n'), 'one line')
  t.equal(await startError({ ENVIRONMENT: 'production', ...TENANT, AUTH_DISABLED: 'true' }), null, 'unless AUTH_DISABLED=true')
  t.equal(await startError({ ENVIRONMENT: 'production', ...TENANT, API_KEYS: KEY }), null, 'with API keys')
  t.equal(await startError({ ENVIRONMENT: 'production', ...TENANT, AUTH_JWKS_URL: 'https://idp.example/jwks', AUTH_ISSUER: 'https://idp.example/', AUTH_AUDIENCE: 'proxy' }), null, 'with a JWKS')
})

t.test('contradictory or partial authentication settings are refused with one line', async (t) => {
  const cases: Array<[SettingSource, RegExp]> = [
    [{ AUTH_JWKS_URL: 'https://idp.example/jwks' }, /^Invalid setting AUTH_ISSUER: required when AUTH_JWKS_URL is set/],
    [{ AUTH_JWKS_URL: 'https://idp.example/jwks', AUTH_ISSUER: 'https://idp.example/' }, /^Invalid setting AUTH_AUDIENCE: required when AUTH_JWKS_URL, AUTH_ISSUER are set/],
    [{ AUTH_DISABLED: 'true', API_KEYS: KEY }, /^Invalid setting AUTH_DISABLED: true while API_KEYS is set/],
    [{ API_KEYS: '["unterminated' }, /^Invalid setting API_KEYS: expected a JSON array of strings or a comma-separated list$/],
    [{ ENVIRONMENT: 'production', ...TENANT, AUTH_JWKS_URL: 'http://idp.example/jwks', AUTH_ISSUER: 'x', AUTH_AUDIENCE: 'y' }, /^Invalid setting AUTH_JWKS_URL: must be https in production$/]
  ]
  for (const [settings, expected] of cases) {
    const err = await startError(settings)
    t.match(err?.message, expected)
    t.notOk(err?.message.includes(KEY), 'never the key')
  }
})

t.test('short API keys are refused without showing them', async (t) => {
  const err = await build(t, { API_KEYS: `${KEY},short-key` }).then(() => null, (e: Error) => e)
  t.match(err?.message, /^Invalid setting API_KEYS: key #2 is shorter than 16 characters/)
  t.notOk(err?.message.includes('short-key'))
})

t.test('malformed TRUST_PROXY and ALLOWED_ORIGINS and RATE_LIMIT_WINDOW stop the start with one line', async (t) => {
  const cases: Array<[SettingSource, RegExp]> = [
    [{ TRUST_PROXY: 'true' }, /^Invalid setting TRUST_PROXY: "true" is not an IP address or CIDR/],
    [{ TRUST_PROXY: '2' }, /^Invalid setting TRUST_PROXY: "2" is not/],
    [{ TRUST_PROXY: '10.0.0.0/33' }, /^Invalid setting TRUST_PROXY: "10.0.0.0\/33"/],
    [{ ALLOWED_ORIGINS: '*' }, /^Invalid setting ALLOWED_ORIGINS: "\*" is not an exact origin/],
    [{ ALLOWED_ORIGINS: 'https://app.example.com/' }, /^Invalid setting ALLOWED_ORIGINS: "https:\/\/app.example.com\/" is not an exact origin/],
    [{ ALLOWED_ORIGINS: 'null' }, /^Invalid setting ALLOWED_ORIGINS: "null"/],
    [{ ALLOWED_ORIGINS: 'https://*.example.com' }, /^Invalid setting ALLOWED_ORIGINS/],
    [{ RATE_LIMIT_WINDOW: 'soon' }, /^Invalid setting RATE_LIMIT_WINDOW: expected a duration/]
  ]
  for (const [settings, expected] of cases) {
    const err = await build(t, settings).then(() => null, (e: Error) => e)
    t.match(err?.message, expected, JSON.stringify(settings))
  }
  t.ok(await build(t, { TRUST_PROXY: '10.0.0.1, 10.1.0.0/16, ::1, fd00::/8, loopback', ALLOWED_ORIGINS: '["https://app.example.com","http://localhost:5173"]', RATE_LIMIT_WINDOW: '30 seconds' }), 'valid lists start')
})
