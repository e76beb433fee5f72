import { Writable } from 'node:stream'
import t from 'tap'
import { request } from 'undici'
import { listen } from '../helper.js'

const SAP_CLIENT_ID = 'sb-0c48aa2a-a1b2-4c3d-9e8f-123456789abc!b123|it!b456'
const SAP_CLIENT_SECRET = 'a1B2c3D4$e5F6g7H8=i9J0k/L+m=='

function logCollector (): { stream: Writable, text: () => string } {
  const lines: string[] = []
  return {
    stream: new Writable({ write (chunk, _encoding, callback) { lines.push(chunk.toString()); callback() } }),
    text: () => lines.join('')
  }
}

t.test('100 concurrent callers with no token cause exactly one token request, with SAP-shaped credentials', async (t) => {
  const { app, url } = await listen(t, {}, { sandbox: { clientId: SAP_CLIENT_ID, clientSecret: SAP_CLIENT_SECRET } })
  const sandbox = app.sandbox!
  t.equal(sandbox.stats.tokensIssued, 0, 'no token before the first call')
  const responses = await Promise.all(Array.from({ length: 100 }, () =>
    request(`${url}/api/sap/IntegrationPackages?$top=1&$format=json`).then(async (r) => { await r.body.dump(); return r.statusCode })))
  t.same(new Set(responses), new Set([200]))
  t.equal(sandbox.stats.tokensIssued, 1)
  const tokenRequests = sandbox.stats.requests.filter((r) => r.url.startsWith('/oauth/token'))
  t.equal(tokenRequests.length, 1)
  const basic = Buffer.from(`${SAP_CLIENT_ID}:${SAP_CLIENT_SECRET}`).toString('base64')
  t.equal(tokenRequests[0]!.headers.authorization, `Basic ${basic}`, 'HTTP Basic of id:secret as is')
})

t.test('the token and the secret never reach a log line, at any level', async (t) => {
  const logs = logCollector()
  const { app, url } = await listen(t, { LOG_LEVEL: 'trace' }, { logStream: logs.stream, logLevel: 'trace', sandbox: { clientId: SAP_CLIENT_ID, clientSecret: SAP_CLIENT_SECRET } })
  const paths = ['/health', '/api/sap/IntegrationPackages?$format=json', '/api/sap/%2e%2e/x', '/nope', '/api/sap/IntegrationPackages(\'missing\')']
  for (const path of paths) await (await request(`${url}${path}`, { headers: { authorization: 'Bearer caller-secret-token', cookie: 'session=caller-cookie' } })).body.dump()
  app.sandbox!.revokeTokens()
  await (await request(`${url}/api/sap/IntegrationPackages`)).body.dump()
  app.sandbox!.setTokenEndpointDown(true)
  app.tenant.tokens.invalidate()
  await (await request(`${url}/api/sap/IntegrationPackages`)).body.dump()

  const text = logs.text()
  t.ok(text.length > 0, 'something was logged')
  const status = app.tenant.tokens.status()
  t.ok(status.refreshCount >= 2)
  for (const secret of [SAP_CLIENT_SECRET, Buffer.from(`${SAP_CLIENT_ID}:${SAP_CLIENT_SECRET}`).toString('base64'), 'caller-secret-token', 'caller-cookie']) {
    t.notOk(text.includes(secret), `not in the logs: ${secret.slice(0, 6)}…`)
  }
  const issuedTokens = app.sandbox!.stats.requests.filter((r) => r.url.startsWith('/api/v1/')).map((r) => String(r.headers.authorization).replace('Bearer ', ''))
  t.ok(issuedTokens.length > 0)
  for (const token of new Set(issuedTokens)) t.notOk(text.includes(token), 'no SAP token in the logs')
})

t.test('token failures answer 503 and show in the token status', async (t) => {
  const { app, url } = await listen(t, {}, { tokenBackoffMs: { base: 10, max: 20 } })
  await (await request(`${url}/api/sap/IntegrationPackages?$top=1`)).body.dump()
  app.sandbox!.setTokenEndpointDown(true)
  app.tenant.tokens.invalidate()
  const refused = await request(`${url}/api/sap/IntegrationPackages?$top=1`)
  t.equal(refused.statusCode, 503)
  const body = await refused.body.json() as Record<string, unknown>
  t.match(body, { code: 'SAP_PROXY_TOKEN_UNAVAILABLE', message: /token endpoint answered 503/ })
  const status = app.tenant.tokens.status()
  t.equal(status.hasToken, false)
  t.match(status.lastError, /503/)
})
