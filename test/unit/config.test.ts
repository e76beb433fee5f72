import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify from 'fastify'
import t from 'tap'
import config from '../../plugins/config.js'
import { collectSettings, parseList, tenantSettings, type SettingSource } from '../../src/config.js'

const SECRET = 'Zq$8x=AbC/secret-value=='
const OAUTH = { clientid: 'sb-key-client!b123|it!b456', clientsecret: SECRET, url: 'https://key.it-cpi001.cfapps.eu10.hana.ondemand.com', tokenurl: 'https://key.authentication.eu10.hana.ondemand.com/oauth/token' }

function tempDir (): string {
  return mkdtempSync(join(tmpdir(), 'sap-is-proxy-config-'))
}

async function validate (settings: SettingSource) {
  const app = Fastify({ logger: false })
  await app.register(config, { settings })
  await app.ready()
  await app.close()
  return app.config
}

t.test('defaults come from the schema', async (t) => {
  const env = await validate({})
  t.equal(env.PORT, 8000)
  t.equal(env.HOST, '127.0.0.1')
  t.equal(env.SAP_TIMEOUT_MS, 30000)
  t.equal(env.SAP_TOKEN_TIMEOUT_MS, 10000)
  t.equal(env.SAP_ALLOW_WRITES, false)
  t.equal(env.SAP_CSRF, 'auto')
  t.equal(env.ENVIRONMENT, 'development')
  t.equal(tenantSettings(env), null, 'no tenant: the sandbox serves')
})

t.test('values are coerced and checked', async (t) => {
  const env = await validate({ PORT: '9000', SAP_ALLOW_WRITES: 'true', SAP_MAX_RPS: '2.5' })
  t.equal(env.PORT, 9000)
  t.equal(env.SAP_ALLOW_WRITES, true)
  t.equal(env.SAP_MAX_RPS, 2.5)
})

t.test('a malformed setting is named in one line, and a secret value never appears', async (t) => {
  const cases: Array<[SettingSource, RegExp]> = [
    [{ PORT: 'eighty' }, /^Invalid setting PORT: must be integer$/],
    [{ SAP_BASE_URL: 'tenant.example.com' }, /^Invalid setting SAP_BASE_URL: must be an http\(s\) url$/],
    [{ ENVIRONMENT: 'staging' }, /^Invalid setting ENVIRONMENT: /],
    [{ SAP_TIMEOUT_MS: '-5' }, /^Invalid setting SAP_TIMEOUT_MS: must be >= 1$/],
    [{ SAP_CSRF: 'sometimes' }, /^Invalid setting SAP_CSRF: /],
    [{ SAP_BASE_URL: OAUTH.url, SAP_CLIENT_SECRET: SECRET }, /^Invalid setting SAP_TOKEN_URL: required when SAP_BASE_URL, SAP_CLIENT_SECRET are set/],
    [{ ENVIRONMENT: 'production' }, /^Invalid setting SAP_BASE_URL: a tenant is required in production/],
    [{ ENVIRONMENT: 'production', DEBUG: 'true', SAP_BASE_URL: OAUTH.url, SAP_TOKEN_URL: OAUTH.tokenurl, SAP_CLIENT_ID: OAUTH.clientid, SAP_CLIENT_SECRET: SECRET }, /^Invalid setting DEBUG: not allowed in production$/]
  ]
  for (const [settings, expected] of cases) {
    const err = await validate(settings).then(() => null, (e: Error) => e)
    t.ok(err, `${JSON.stringify(Object.keys(settings))} is refused`)
    t.match(err?.message, expected)
    t.notOk(err?.message.includes('\n'), 'one line')
    t.notOk(err?.message.includes(SECRET), 'no secret')
  }
})

t.test('four variables configure a tenant; a trailing /api/v1 is dropped', async (t) => {
  const env = await validate({ SAP_BASE_URL: `${OAUTH.url}/api/v1/`, SAP_TOKEN_URL: OAUTH.tokenurl, SAP_CLIENT_ID: OAUTH.clientid, SAP_CLIENT_SECRET: SECRET })
  t.same(tenantSettings(env), { baseUrl: OAUTH.url, tokenUrl: OAUTH.tokenurl, clientId: OAUTH.clientid, clientSecret: SECRET })
})

t.test('SAP_SERVICE_KEY fills the four tenant settings', async (t) => {
  const dir = tempDir()
  const keyFile = join(dir, 'service-key.json')
  writeFileSync(keyFile, JSON.stringify({ oauth: OAUTH }))
  const settings = collectSettings({ env: { SAP_SERVICE_KEY: keyFile }, dotenvPath: false })
  t.same(tenantSettings(await validate(settings)), { baseUrl: OAUTH.url, tokenUrl: OAUTH.tokenurl, clientId: OAUTH.clientid, clientSecret: SECRET })
})

t.test('a broken service key is refused with a clear line', async (t) => {
  const dir = tempDir()
  const missing = join(dir, 'absent.json')
  t.throws(() => collectSettings({ env: { SAP_SERVICE_KEY: missing }, dotenvPath: false }), /^Invalid setting SAP_SERVICE_KEY: cannot read .*absent.json \(ENOENT\)$/)
  const notJson = join(dir, 'key.json')
  writeFileSync(notJson, `{"oauth": {"clientsecret": "${SECRET}"`)
  t.throws(() => collectSettings({ env: { SAP_SERVICE_KEY: notJson }, dotenvPath: false }), /is not valid JSON$/)
  const noSecret = join(dir, 'partial.json')
  writeFileSync(noSecret, JSON.stringify({ oauth: { ...OAUTH, clientsecret: '' } }))
  t.throws(() => collectSettings({ env: { SAP_SERVICE_KEY: noSecret }, dotenvPath: false }), /the oauth block has no clientsecret/)
})

t.test('VCAP_SERVICES: the oauth block of the bound api-plan instance', async (t) => {
  const vcap = JSON.stringify({
    'it-rt': [
      { name: 'other', plan: 'integration-flow', credentials: { oauth: { ...OAUTH, clientid: 'sb-flow!b1|it!b2' } } },
      { name: 'cpi-api', plan: 'api', credentials: { oauth: OAUTH } }
    ]
  })
  const settings = collectSettings({ env: { VCAP_SERVICES: vcap }, dotenvPath: false })
  t.equal(settings.SAP_CLIENT_ID, OAUTH.clientid)
  t.notOk('VCAP_SERVICES' in settings, 'the raw binding is not kept among the settings')
  t.throws(() => collectSettings({ env: { VCAP_SERVICES: '{not json' }, dotenvPath: false }), /^Invalid setting VCAP_SERVICES: not valid JSON$/)
})

t.test('sources, strongest first: environment, .env, service key, VCAP_SERVICES', async (t) => {
  const dir = tempDir()
  const keyFile = join(dir, 'key.json')
  writeFileSync(keyFile, JSON.stringify({ oauth: { ...OAUTH, clientid: 'sb-from-key!b1|it!b2' } }))
  const dotenv = join(dir, '.env')
  writeFileSync(dotenv, `SAP_SERVICE_KEY=${keyFile}\nPORT=9100\nLOG_LEVEL=debug\nSAP_TIMEOUT_MS=1234\n`)
  const vcap = JSON.stringify({ 'it-rt': [{ plan: 'api', credentials: { oauth: { ...OAUTH, clientid: 'sb-from-vcap!b1|it!b2', url: 'https://vcap.example.hana.ondemand.com' } } }] })

  const settings = collectSettings({ env: { PORT: '9200', SAP_CLIENT_ID: 'sb-from-env!b1|it!b2', VCAP_SERVICES: vcap }, dotenvPath: dotenv })
  t.equal(settings.PORT, '9200', 'environment beats .env')
  t.equal(settings.LOG_LEVEL, 'debug', '.env fills what the environment lacks')
  t.equal(settings.SAP_CLIENT_ID, 'sb-from-env!b1|it!b2', 'environment beats the service key')
  t.equal(settings.SAP_BASE_URL, OAUTH.url, 'the service key beats VCAP_SERVICES')

  const withoutKey = collectSettings({ env: { VCAP_SERVICES: vcap }, dotenvPath: false })
  t.equal(withoutKey.SAP_BASE_URL, 'https://vcap.example.hana.ondemand.com')
})

t.test('.env is read in development only', async (t) => {
  const dir = tempDir()
  const dotenv = join(dir, '.env')
  writeFileSync(dotenv, 'PORT=9100\n')
  t.equal(collectSettings({ env: {}, dotenvPath: dotenv }).PORT, '9100')
  t.equal(collectSettings({ env: { ENVIRONMENT: 'production' }, dotenvPath: dotenv }).PORT, undefined)
  t.equal(collectSettings({ env: { ENVIRONMENT: 'test' }, dotenvPath: dotenv }).PORT, undefined)
  t.same(collectSettings({ env: {}, dotenvPath: join(dir, 'absent') }), {}, 'a missing .env is fine')
})

t.test('lists: a JSON array or a comma-separated list', async (t) => {
  t.same(parseList('["http://a.example", "http://b.example"]'), ['http://a.example', 'http://b.example'])
  t.same(parseList('http://a.example, http://b.example,'), ['http://a.example', 'http://b.example'])
  t.same(parseList(undefined), [])
  t.throws(() => parseList('[1, 2]'))
})
