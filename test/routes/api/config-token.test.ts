import t from 'tap'
import { startFakeSap } from '../../fixtures/fake-sap.js'
import { build } from '../../helper.js'
import { TokenStatusSchema } from '../../../src/sap/models.js'
import { ConfigSchema, PUBLIC_SETTINGS } from '../../../routes/api/config.js'
import { SECRET_SETTINGS } from '../../../src/config.js'
import { assertShape } from './schema-check.js'
import { sandboxOf } from './sap-helper.js'

t.test('/api/config: effective settings, client id masked, no secret', async (t) => {
  const fake = await startFakeSap()
  t.teardown(() => fake.close())
  const apiKey = 'caller-key-0123456789'
  const app = await build(t, { ...fake.settings, API_KEYS: `${apiKey},other-key-9876543210`, SAP_MAX_RPS: '7', SAP_CACHE_TTL_MS: '1500' })
  const res = await app.inject({ url: '/api/config', headers: { 'x-api-key': apiKey } })
  t.equal(res.statusCode, 200)
  const body = res.json()
  assertShape(t, ConfigSchema, body)
  t.same(body.tenant, { label: new URL(fake.url).host, sandbox: false, baseUrl: fake.url, tokenUrl: fake.tokenUrl, clientId: 'sb-f***56' })
  t.equal(body.settings.SAP_CLIENT_ID, 'sb-f***56', 'masked')
  t.equal(body.settings.SAP_BASE_URL, fake.url)
  t.equal(body.settings.SAP_MAX_RPS, 7)
  t.equal(body.settings.SAP_CACHE_TTL_MS, 1500)
  t.equal(body.settings.ENVIRONMENT, 'test')
  t.equal(body.settings.TRUST_PROXY, null, 'unset is null')
  for (const name of SECRET_SETTINGS) t.notOk(name in body.settings, `${name} is not listed`)
  t.notOk(PUBLIC_SETTINGS.some((name) => (SECRET_SETTINGS as readonly string[]).includes(name)))
  t.notMatch(res.body, fake.clientSecret)
  t.notMatch(res.body, fake.clientId, 'the full client id appears nowhere')
  t.notMatch(res.body, apiKey)
  t.notMatch(res.body, 'other-key')
})

t.test('/api/config with the sandbox, and a url configured with user info', async (t) => {
  const app = await build(t)
  const body = (await app.inject('/api/config')).json()
  t.match(body.tenant, { label: 'sandbox', sandbox: true, clientId: /\*\*\*/ })
  t.equal(body.settings.SAP_BASE_URL, null)
  t.notMatch(JSON.stringify(body), sandboxOf(app).clientSecret)

  const fake = await startFakeSap()
  t.teardown(() => fake.close())
  const withUserInfo = await build(t, { ...fake.settings, SAP_TOKEN_URL: fake.tokenUrl.replace('//', '//user:url-pass@') })
  const shown = await withUserInfo.inject('/api/config')
  t.notMatch(shown.body, 'url-pass')
  t.equal(shown.json().settings.SAP_TOKEN_URL, fake.tokenUrl)
  t.equal(shown.json().tenant.tokenUrl, fake.tokenUrl)
})

t.test('token-status and refresh-token report the token, never the token itself', async (t) => {
  const app = await build(t)
  const sandbox = sandboxOf(app)
  const before = await app.inject('/api/sap/token-status')
  t.equal(before.statusCode, 200)
  assertShape(t, TokenStatusSchema, before.json())
  t.same(before.json(), { hasToken: false, expiresAt: null, expiresInSeconds: null, lastRefreshAt: null, refreshCount: 0, lastError: null })

  await app.inject('/api/sap/packages')
  const bearer = String(sandbox.stats.requests.at(-1)?.headers.authorization).replace(/^Bearer /, '')
  t.ok(bearer.length > 20, 'the proxy holds a token')
  const held = await app.inject('/api/sap/token-status')
  assertShape(t, TokenStatusSchema, held.json())
  t.match(held.json(), { hasToken: true, refreshCount: 1, lastError: null })
  t.ok(held.json().expiresInSeconds > 43000, 'the sandbox issues 12 h tokens')

  const issued = sandbox.stats.tokensIssued
  const refreshed = await app.inject({ method: 'POST', url: '/api/sap/refresh-token' })
  t.equal(refreshed.statusCode, 200)
  assertShape(t, TokenStatusSchema, refreshed.json())
  t.equal(refreshed.json().refreshCount, 2)
  t.equal(sandbox.stats.tokensIssued, issued + 1, 'a new token was obtained')
  await app.inject('/api/sap/packages?refresh=true')
  const newBearer = String(sandbox.stats.requests.at(-1)?.headers.authorization).replace(/^Bearer /, '')
  t.not(newBearer, bearer, 'and is used from then on')
  for (const res of [before, held, refreshed]) {
    t.notMatch(res.body, bearer)
    t.notMatch(res.body, newBearer)
  }

  sandbox.setTokenEndpointDown(true)
  const failed = await app.inject({ method: 'POST', url: '/api/sap/refresh-token' })
  t.equal(failed.statusCode, 503)
  t.equal(failed.json().code, 'SAP_PROXY_TOKEN_UNAVAILABLE')
  t.ok(Number(failed.headers['retry-after']) >= 1)
  const status = (await app.inject('/api/sap/token-status')).json()
  t.match(status, { hasToken: true, lastError: /token endpoint/ }, 'the held token keeps serving; the failure is reported')
  t.equal((await app.inject('/api/sap/packages')).statusCode, 200)
})
