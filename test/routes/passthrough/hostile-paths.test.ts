import t from 'tap'
import { startCanary } from '../../fixtures/canary.js'
import { rawGet, rawRequest } from '../../fixtures/raw-http.js'
import { listen } from '../../helper.js'

// Named after the advisory classes of @fastify/reply-from and @fastify/http-proxy that they pin:
// encoded prefixes, backslash dot-segments and encoded separators escaping the rewrite prefix.
t.test('escaping request targets get 400 and reach neither a canary, the token endpoint, nor a path outside /api/v1', async (t) => {
  const canary = await startCanary()
  t.teardown(() => canary.close())
  const { app, url } = await listen(t)
  const sandbox = app.sandbox!

  const warmup = await rawGet(url, '/api/sap/IntegrationPackages?$top=1&$format=json')
  t.equal(warmup.status, 200, 'the passthrough works for a plain path')
  const before = sandbox.stats.requests.length
  const tokensBefore = sandbox.stats.tokensIssued

  const targets = [
    '/api/sap/../../oauth/token',
    '/api/sap/..',
    '/api/sap/../',
    '/api/sap/x/..',
    '/api/sap/./IntegrationPackages',
    '/api/sap/%2e%2e/oauth/token',
    '/api/sap/%2E%2E/%2E%2E/oauth/token',
    '/api/sap/.%2e/oauth/token',
    '/api/sap/%252e%252e/oauth/token',
    '/api/sap/IntegrationPackages%2F..%2F..%2Foauth%2Ftoken',
    '/api/sap/x%2f..%2f..%2foauth',
    '/api/sap/x%5c..%5c..%5coauth',
    '/api/sap/..\\..\\oauth\\token',
    '/api/sap/x\\..\\..\\oauth',
    `/api/sap//${canary.host}/x`,
    `/api/sap/\\\\${canary.host}/x`,
    '/api/sap/x%00',
    '/api/sap/IntegrationPackages;x=../../oauth',
    '/api/%73ap/../oauth/token',
    '/api/%73ap/IntegrationPackages',
    '/API/SAP/IntegrationPackages',
    '/api/v1/../oauth/token',
    '/api/v1/%2e%2e/oauth/token',
    `http://${canary.host}/api/sap/IntegrationPackages`,
    `//${canary.host}/api/sap/IntegrationPackages`,
    `${canary.url}/api/v1/IntegrationPackages`
  ]
  for (const target of targets) {
    const response = await rawGet(url, target)
    t.ok([400, 404].includes(response.status), `${target} → ${response.status}`)
  }
  const hostHeaders = [
    { Host: canary.host },
    { 'X-Forwarded-Host': canary.host },
    { Forwarded: `host=${canary.host}` }
  ]
  for (const headers of hostHeaders) {
    const response = await rawRequest(url, `GET /api/sap/IntegrationPackages?$top=1 HTTP/1.1\r\n${Object.entries({ Host: '127.0.0.1', ...headers }).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\nConnection: close\r\n\r\n`)
    t.equal(response.status, 200, `${Object.keys(headers)[0]} does not choose the upstream`)
  }

  t.same(canary.hits, [], 'the canary received nothing')
  t.equal(sandbox.stats.tokensIssued, tokensBefore, 'no new token was issued')
  const reached = sandbox.stats.requests.slice(before)
  t.ok(reached.every((r) => r.url.startsWith('/api/v1/')), `only /api/v1/ reached the tenant: ${JSON.stringify(reached.map((r) => r.url))}`)
  t.ok(reached.every((r) => !r.url.includes('oauth')), 'nothing reached the token endpoint through the passthrough')
  t.equal(reached.length, hostHeaders.length, 'only the legitimate requests reached the tenant')
})

t.test('the proxy goes on serving after a run of hostile requests', async (t) => {
  const { url } = await listen(t)
  for (let i = 0; i < 20; i++) await rawGet(url, '/api/sap/%2e%2e/%2e%2e/x')
  const response = await rawGet(url, '/health/live')
  t.equal(response.status, 200)
})
