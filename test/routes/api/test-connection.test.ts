import { PassThrough } from 'node:stream'
import t from 'tap'
import { startCanary } from '../../fixtures/canary.js'
import { startFakeSap } from '../../fixtures/fake-sap.js'
import { build } from '../../helper.js'
import { ConnectionTestResultSchema } from '../../../src/sap/models.js'
import { assertShape } from './schema-check.js'
import { sandboxOf } from './sap-helper.js'

const ROUTE = '/api/tenants/test-connection'

function logCollector () {
  const stream = new PassThrough()
  let text = ''
  stream.on('data', (chunk: Buffer) => { text += chunk.toString() })
  return { stream, text: () => text }
}

t.test('without a body the configured tenant is tested: token, then one cheap call', async (t) => {
  const app = await build(t)
  const sandbox = sandboxOf(app)
  const mark = sandbox.stats.requests.length
  const res = await app.inject({ method: 'POST', url: ROUTE })
  t.equal(res.statusCode, 200)
  assertShape(t, ConnectionTestResultSchema, res.json())
  t.match(res.json(), { success: true, token: { ok: true }, api: { ok: true, status: 200 } })
  t.same(sandbox.stats.requests.slice(mark).map((r) => r.url), ['/oauth/token', '/api/v1/IntegrationPackages?$top=1'])
  const empty = await app.inject({ method: 'POST', url: ROUTE, payload: {} })
  t.equal(empty.json().success, true, 'an empty object is the same')
})

t.test('credentials in the body are tested as given, never stored, never echoed', async (t) => {
  const logs = logCollector()
  const app = await build(t, {}, { logStream: logs.stream, logLevel: 'trace' })
  const sandbox = sandboxOf(app)
  await app.inject('/api/sap/token-status')
  const configured = app.tenant.tokens.status()

  const good = await app.inject({ method: 'POST', url: ROUTE, payload: { baseUrl: sandbox.url, tokenUrl: sandbox.tokenUrl, clientId: sandbox.clientId, clientSecret: sandbox.clientSecret } })
  t.equal(good.statusCode, 200)
  assertShape(t, ConnectionTestResultSchema, good.json())
  t.match(good.json(), { success: true, token: { ok: true }, api: { ok: true, status: 200 } })

  const wrongSecret = 'wr0ng-Secret-4711'
  const bad = await app.inject({ method: 'POST', url: ROUTE, payload: { baseUrl: `${sandbox.url}/api/v1/`, tokenUrl: sandbox.tokenUrl, clientId: sandbox.clientId, clientSecret: wrongSecret } })
  t.equal(bad.statusCode, 200)
  assertShape(t, ConnectionTestResultSchema, bad.json())
  t.match(bad.json(), { success: false, token: { ok: false }, api: { ok: false, latencyMs: null, status: null }, message: 'No token: token endpoint answered 401 invalid_client' })

  for (const res of [good, bad]) {
    t.notMatch(res.body, sandbox.clientSecret)
    t.notMatch(res.body, wrongSecret)
  }
  t.notMatch(logs.text(), wrongSecret, 'the secret is in no log line')
  t.notMatch(logs.text(), sandbox.clientSecret)
  t.same(app.tenant.tokens.status().refreshCount, configured.refreshCount, "the configured tenant's token is untouched")
  const config = await app.inject('/api/config')
  t.notMatch(config.body, wrongSecret, 'nothing was stored')
})

t.test('SSRF guard: hosts outside SAP_ALLOWED_HOSTS and the tenant get 400 and no connection', async (t) => {
  const app = await build(t)
  const sandbox = sandboxOf(app)
  const canary = await startCanary()
  t.teardown(() => canary.close())
  const sandboxPort = new URL(sandbox.url).port
  const creds = { clientId: 'someone', clientSecret: 'their-secret' }
  const attempts: Array<Record<string, string>> = [
    { baseUrl: canary.url, tokenUrl: `${canary.url}/oauth/token` },
    { baseUrl: sandbox.url, tokenUrl: `${canary.url}/oauth/token` }, // the secret would go to the token url
    { baseUrl: canary.url, tokenUrl: sandbox.tokenUrl },
    { baseUrl: `http://localhost:${new URL(canary.url).port}`, tokenUrl: sandbox.tokenUrl },
    { baseUrl: `http://localhost:${sandboxPort}`, tokenUrl: sandbox.tokenUrl }, // same service, but not the configured origin
    { baseUrl: `http://a:b@127.0.0.1:${sandboxPort}`, tokenUrl: sandbox.tokenUrl },
    { baseUrl: sandbox.url, tokenUrl: `https://x.hana.ondemand.com.${canary.host}/oauth/token` },
    { baseUrl: 'https://x.hana.ondemand.com:8443', tokenUrl: 'https://x.authentication.hana.ondemand.com/oauth/token' },
    { baseUrl: 'http://x.hana.ondemand.com', tokenUrl: 'https://x.authentication.hana.ondemand.com/oauth/token' },
    { baseUrl: 'https://169.254.169.254', tokenUrl: 'https://x.authentication.hana.ondemand.com/oauth/token' },
    { baseUrl: `http://[::ffff:127.0.0.1]:${new URL(canary.url).port}`, tokenUrl: sandbox.tokenUrl }
  ]
  for (const attempt of attempts) {
    const res = await app.inject({ method: 'POST', url: ROUTE, payload: { ...attempt, ...creds } })
    t.equal(res.statusCode, 400, JSON.stringify(attempt))
    t.match(res.json(), { code: 'SAP_PROXY_BAD_REQUEST', message: /not on an allowed host|must match pattern/ })
    t.notMatch(res.body, 'their-secret')
  }
  for (const partial of [{ baseUrl: canary.url }, { clientSecret: 'x' }, { baseUrl: sandbox.url, tokenUrl: sandbox.tokenUrl, clientId: 'x' }]) {
    const res = await app.inject({ method: 'POST', url: ROUTE, payload: partial })
    t.equal(res.statusCode, 400, `partial body ${Object.keys(partial).join(',')} → 400`)
  }
  for (const malformed of [{ baseUrl: 'file:///etc/passwd' }, { baseUrl: 'gopher://x' }, { baseUrl: 'javascript:alert(1)' }]) {
    const res = await app.inject({ method: 'POST', url: ROUTE, payload: { ...malformed, tokenUrl: sandbox.tokenUrl, ...creds } })
    t.equal(res.statusCode, 400, `${malformed.baseUrl} → 400`)
  }
  t.same(canary.hits, [], 'the canary received no connection at all')
})

t.test('SAP_ALLOWED_HOSTS lets the route test another tenant, with its own token', async (t) => {
  const fake = await startFakeSap()
  t.teardown(() => fake.close())
  const app = await build(t, { SAP_ALLOWED_HOSTS: `*.hana.ondemand.com,http://127.0.0.1:${new URL(fake.url).port}` })
  fake.handler = (_req, res) => { res.writeHead(200, { 'content-type': 'application/json' }).end('{"d":{"results":[]}}') }
  const res = await app.inject({ method: 'POST', url: ROUTE, payload: { baseUrl: fake.url, tokenUrl: fake.tokenUrl, clientId: fake.clientId, clientSecret: fake.clientSecret } })
  t.match(res.json(), { success: true, api: { status: 200 } })
  t.equal(fake.tokenRequests, 1)
  t.same(fake.requests.map((r) => [r.url, r.headers.authorization]), [['/api/v1/IntegrationPackages?$top=1', 'Bearer fake-token-1']])

  fake.handler = (_req, res) => { res.writeHead(403, { 'content-type': 'application/json' }).end('{"error":{"code":"Forbidden","message":{"lang":"en","value":"no role"}}}') }
  const refused = await app.inject({ method: 'POST', url: ROUTE, payload: { baseUrl: fake.url, tokenUrl: fake.tokenUrl, clientId: fake.clientId, clientSecret: fake.clientSecret } })
  t.match(refused.json(), { success: false, token: { ok: true }, api: { ok: false, status: 403 }, message: 'Token obtained, but IntegrationPackages?$top=1 answered 403' })

  fake.tokenDown = true
  const down = await app.inject({ method: 'POST', url: ROUTE, payload: { baseUrl: fake.url, tokenUrl: fake.tokenUrl, clientId: fake.clientId, clientSecret: fake.clientSecret } })
  t.match(down.json(), { success: false, token: { ok: false }, message: 'No token: token endpoint answered 503' })
})
