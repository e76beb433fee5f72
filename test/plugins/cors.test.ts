import t from 'tap'
import { startFakeSap } from '../fixtures/fake-sap.js'
import { listen } from '../helper.js'

const KEY = 'cors-test-key-0123456789'
const ALLOWED = 'http://localhost:5173'

function preflight (url: string, origin: string, method = 'GET', headers = 'x-api-key, content-type') {
  return fetch(url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': headers } })
}

function varyNames (response: Response): string[] {
  return (response.headers.get('vary') ?? '').split(',').map((name) => name.trim().toLowerCase())
}

t.test('only exact allowed origins get Access-Control-Allow-Origin, and every answer varies on Origin', async (t) => {
  const { url } = await listen(t, { API_KEYS: KEY })
  const allowed = await fetch(`${url}/api/config`, { headers: { origin: ALLOWED, 'x-api-key': KEY } })
  t.equal(allowed.status, 200)
  t.equal(allowed.headers.get('access-control-allow-origin'), ALLOWED)
  t.equal(allowed.headers.get('access-control-allow-credentials'), null, 'credentials off')
  t.ok(varyNames(allowed).includes('origin'))
  t.match(allowed.headers.get('access-control-expose-headers'), /Retry-After/)

  for (const origin of ['null', 'https://localhost:5173.evil.example', 'http://localhost:5173.evil.example', 'http://localhost:51730', 'https://localhost:5173', 'http://localhost:5173/', 'http://evil.example', 'http://127.0.0.1:5173']) {
    const response = await fetch(`${url}/api/config`, { headers: { origin, 'x-api-key': KEY } })
    t.equal(response.headers.get('access-control-allow-origin'), null, `${origin}: no ACAO`)
    t.ok(varyNames(response).includes('origin'), `${origin}: Vary: Origin`)
    await response.arrayBuffer()
  }
})

t.test('preflights are answered by the proxy: no credential needed, nothing reaches SAP, fixed lists', async (t) => {
  const { app, url } = await listen(t, { API_KEYS: KEY })
  const sandbox = app.sandbox!
  const requestsBefore = sandbox.stats.requests.length
  const tokensBefore = sandbox.stats.tokensIssued
  for (const path of ['/api/sap/IntegrationPackages', '/api/v1/IntegrationPackages(\'X\')', '/api/config', '/api/sap/packages', '/no-such-route']) {
    const response = await preflight(`${url}${path}`, ALLOWED, 'DELETE', 'x-api-key, authorization, x-evil-header')
    t.equal(response.status, 204, `${path}: 204`)
    t.equal(response.headers.get('access-control-allow-origin'), ALLOWED)
    t.equal(response.headers.get('access-control-max-age'), '600')
    t.match(response.headers.get('access-control-allow-methods'), /^GET, HEAD, POST, PUT, PATCH, DELETE, MERGE$/)
    const allowHeaders = response.headers.get('access-control-allow-headers') ?? ''
    for (const name of ['X-API-Key', 'Authorization', 'Content-Type', 'Accept', 'If-Match', 'If-None-Match', 'DataServiceVersion', 'MaxDataServiceVersion', 'X-Request-Id', 'X-CSRF-Token']) {
      t.ok(allowHeaders.split(', ').includes(name), `${name} allowed`)
    }
    t.notOk(allowHeaders.toLowerCase().includes('x-evil-header'), 'requested headers are not reflected')
    t.equal(response.headers.get('access-control-allow-credentials'), null)
    t.equal(await response.text(), '')
  }
  t.equal(sandbox.stats.requests.length, requestsBefore, 'SAP saw none of them')
  t.equal(sandbox.stats.tokensIssued, tokensBefore, 'no token was fetched for them')

  t.notOk(app.hasRoute({ method: 'OPTIONS', url: '/api/sap/*' }) || app.hasRoute({ method: 'OPTIONS', url: '/api/v1/*' }), 'the passthrough registers no OPTIONS route a preflight could fall through to')
  const foreign = await preflight(`${url}/api/sap/IntegrationPackages`, 'https://localhost:5173.evil.example')
  t.equal(foreign.headers.get('access-control-allow-origin'), null, 'a foreign preflight gets no ACAO')
  t.equal(sandbox.stats.requests.length, requestsBefore)
})

t.test('an OPTIONS that is not a preflight answers 400 in the contract shape', async (t) => {
  const { url } = await listen(t, { API_KEYS: KEY })
  const shapes: Array<Record<string, string>> = [{}, { origin: ALLOWED }, { 'access-control-request-method': 'GET' }]
  for (const headers of shapes) {
    const response = await fetch(`${url}/api/sap/IntegrationPackages`, { method: 'OPTIONS', headers })
    t.equal(response.status, 400)
    t.equal(response.headers.get('x-error-source'), 'proxy')
    t.match(await response.json(), { code: 'SAP_PROXY_BAD_REQUEST' })
  }
})

t.test('CORS is not access control: an allowed origin without a credential gets a 401 it can read', async (t) => {
  const { url } = await listen(t, { API_KEYS: KEY })
  const response = await fetch(`${url}/api/sap/IntegrationPackages`, { headers: { origin: ALLOWED } })
  t.equal(response.status, 401)
  t.equal(response.headers.get('access-control-allow-origin'), ALLOWED, 'the front end can read the 401')
})

t.test('SAP\'s own Vary does not drop Origin from the passthrough answer', async (t) => {
  const sap = await startFakeSap()
  t.teardown(() => sap.close())
  sap.handler = (_req, res) => { res.writeHead(200, { 'content-type': 'application/json', vary: 'Accept-Encoding' }).end('{"d":{"results":[]}}') }
  const { url } = await listen(t, { ...sap.settings, API_KEYS: KEY })
  const response = await fetch(`${url}/api/sap/IntegrationPackages`, { headers: { origin: ALLOWED, 'x-api-key': KEY } })
  t.equal(response.status, 200)
  t.equal(response.headers.get('access-control-allow-origin'), ALLOWED)
  t.ok(varyNames(response).includes('origin'))
  t.ok(varyNames(response).includes('accept-encoding'))
  await response.arrayBuffer()
})

t.test('ALLOWED_ORIGINS as a JSON array or a comma list; empty turns CORS off', async (t) => {
  const { url } = await listen(t, { ALLOWED_ORIGINS: 'https://a.example.com, https://b.example.com:8443' })
  for (const origin of ['https://a.example.com', 'https://b.example.com:8443']) {
    const response = await fetch(`${url}/`, { headers: { origin } })
    t.equal(response.headers.get('access-control-allow-origin'), origin)
    await response.arrayBuffer()
  }
  const { url: off } = await listen(t, { ALLOWED_ORIGINS: '[]' })
  const response = await preflight(`${off}/api/config`, ALLOWED)
  t.not(response.status, 204)
  t.equal(response.headers.get('access-control-allow-origin'), null)
  await response.arrayBuffer()
})
