import Fastify from 'fastify'
import t from 'tap'
import errorHandler from '../../plugins/error-handler.js'
import { MAX_HEADER_BYTES, serverOptions } from '../../src/server-options.js'
import { rawRequest } from '../fixtures/raw-http.js'
import { build, listen } from '../helper.js'

const KEY = 'hardening-key-0123456789'
const FASTIFY_VERSION = (await import('fastify/package.json', { with: { type: 'json' } })).default.version
const STACK_LINE = /\bat [^\n]*\(?[^\n]*:\d+:\d+\)?/

function requestHead (host: string, target: string, headers: string[]): string {
  return [`GET ${target} HTTP/1.1`, `Host: ${host}`, ...headers, 'Connection: close', '', ''].join('\r\n')
}

function contractBody (body: string): Record<string, unknown> {
  return JSON.parse(body) as Record<string, unknown>
}

t.test('security headers fit an API and let /docs work', async (t) => {
  const { url } = await listen(t, { API_KEYS: KEY })
  for (const path of ['/', '/api/config', '/docs', '/no-such-route']) {
    const response = await fetch(`${url}${path}`, { headers: { 'x-api-key': KEY } })
    const csp = response.headers.get('content-security-policy') ?? ''
    t.match(csp, /default-src 'self'/, `${path}: CSP`)
    t.match(csp, /script-src 'self'(;|$)/, 'scripts from self only: no inline, no eval')
    t.match(csp, /script-src-attr 'none'/)
    t.match(csp, /object-src 'none'/)
    t.match(csp, /frame-ancestors 'none'/)
    t.equal(response.headers.get('x-content-type-options'), 'nosniff')
    t.equal(response.headers.get('x-frame-options'), 'DENY')
    t.equal(response.headers.get('referrer-policy'), 'no-referrer')
    t.match(response.headers.get('strict-transport-security'), /max-age=\d+/)
    t.equal(response.headers.get('x-powered-by'), null)
    t.equal(response.headers.get('server'), null)
    await response.arrayBuffer()
  }
})

t.test('oversized headers: 431 in the contract shape', async (t) => {
  const { url } = await listen(t, { API_KEYS: KEY })
  const { host } = new URL(url)
  const response = await rawRequest(url, requestHead(host, '/api/config', [`X-Big: ${'a'.repeat(MAX_HEADER_BYTES + 100)}`]))
  t.equal(response.status, 431)
  t.match(response.head, /x-error-source: proxy/i)
  const body = contractBody(response.body)
  t.match(body, { statusCode: 431, error: 'Request Header Fields Too Large', code: 'SAP_PROXY_HEADERS_TOO_LARGE', requestId: String })
  t.equal(/\r\nx-request-id: ([^\r]+)/i.exec(response.head)?.[1], body.requestId, 'the request id is in the header too')
})

t.test('too many headers: 431 and the connection is closed (Node drops headers past maxHeadersCount)', async (t) => {
  const { url } = await listen(t, { API_KEYS: KEY })
  const { host } = new URL(url)
  const many = Array.from({ length: 150 }, (_, i) => `X-Filler-${i}: ${i}`)
  const refused = await rawRequest(url, requestHead(host, '/api/config', [...many, `X-API-Key: ${KEY}`, 'Content-Length: 0']))
  t.equal(refused.status, 431)
  t.match(refused.head, /connection: close/i)
  // Node 20 drops headers past the count and the proxy refuses; newer Node may refuse by itself: 431 either way.
  t.match(contractBody(refused.body), { statusCode: 431, code: 'SAP_PROXY_HEADERS_TOO_LARGE' })

  const fine = await rawRequest(url, requestHead(host, '/api/config', [...many.slice(0, 90), `X-API-Key: ${KEY}`]))
  t.equal(fine.status, 200, '90 headers are fine')
})

t.test('an overlong request target: 414 in the contract shape', async (t) => {
  const { url } = await listen(t, { API_KEYS: KEY })
  const { host } = new URL(url)
  const response = await rawRequest(url, requestHead(host, `/api/sap/IntegrationPackages?$filter=${'x'.repeat(9000)}`, [`X-API-Key: ${KEY}`]))
  t.equal(response.status, 414)
  t.match(contractBody(response.body), { statusCode: 414, code: 'SAP_PROXY_URI_TOO_LONG' })
})

t.test('a typed route refuses a body over 1 MiB with 413 before using it', async (t) => {
  const { app, url } = await listen(t, { API_KEYS: KEY })
  const before = app.sandbox!.stats.tokensIssued
  const response = await fetch(`${url}/api/tenants/test-connection`, {
    method: 'POST',
    headers: { 'x-api-key': KEY, 'content-type': 'application/json' },
    body: JSON.stringify({ baseUrl: 'x'.repeat(2 * 1024 * 1024) })
  })
  t.equal(response.status, 413)
  t.match(await response.json(), { code: 'SAP_PROXY_PAYLOAD_TOO_LARGE' })
  t.equal(app.sandbox!.stats.tokensIssued, before, 'nothing was sent to SAP')
})

t.test('malformed HTTP and slow headers are answered in the contract shape', async (t) => {
  const { url } = await listen(t)
  const garbage = await rawRequest(url, 'GARBAGE / HTTP/1.1\r\n\r\n')
  t.equal(garbage.status, 400)
  t.match(contractBody(garbage.body), { code: 'SAP_PROXY_BAD_REQUEST' })

  // The same client error handler as in production, with Node's header deadline shortened.
  const base = serverOptions()
  const slow = Fastify({ ...base, http: { ...base.http, headersTimeout: 300, requestTimeout: 400, connectionsCheckingInterval: 100 } as never })
  t.teardown(() => slow.close())
  slow.get('/', async () => 'ok')
  const slowUrl = await slow.listen({ port: 0, host: '127.0.0.1' })
  const started = Date.now()
  const timedOut = await rawRequest(slowUrl, 'GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ', 5000)
  t.equal(timedOut.status, 408, 'a client that never finishes its headers is cut off')
  t.ok(Date.now() - started < 3000)
  t.match(contractBody(timedOut.body), { code: 'SAP_PROXY_REQUEST_TIMEOUT' })
})

t.test('server timeouts are set on purpose', async (t) => {
  const options = serverOptions({ SAP_BODY_TIMEOUT_MS: '120000', SAP_TIMEOUT_MS: '30000' })
  t.equal(options.connectionTimeout, 130_000, 'a socket idle both ways longer than the proxy would wait on SAP is closed')
  t.equal(options.requestTimeout, 0, 'no overall deadline for long streams')
  t.equal(options.http?.headersTimeout, 20_000, 'headers must arrive within 20 s')
  t.equal(options.keepAliveTimeout, 72_000)
  t.equal(serverOptions().connectionTimeout, 310_000, 'defaults')
  t.equal(serverOptions().trustProxy, false, 'no TRUST_PROXY: X-Forwarded-For is ignored')
  t.same(serverOptions({ TRUST_PROXY: '10.0.0.1,10.1.0.0/16' }).trustProxy, ['10.0.0.1', '10.1.0.0/16'])
  t.equal(serverOptions({ TRUST_PROXY: 'true' }).trustProxy, false, 'a malformed value trusts nobody (and the start fails)')
})

t.test('overload: 503 with Retry-After in the contract shape, liveness stays green', async (t) => {
  const { url } = await listen(t, { API_KEYS: KEY, PRESSURE_MAX_HEAP_USED_BYTES: '1' })
  await new Promise((resolve) => setTimeout(resolve, 1200)) // one load sample
  const response = await fetch(`${url}/api/config`, { headers: { 'x-api-key': KEY } })
  t.equal(response.status, 503)
  t.equal(response.headers.get('retry-after'), '10')
  t.equal(response.headers.get('x-error-source'), 'proxy')
  t.match(await response.json(), { statusCode: 503, code: 'SAP_PROXY_OVERLOADED', requestId: String })
  const live = await fetch(`${url}/health/live`)
  t.equal(live.status, 200)
  await live.arrayBuffer()
  const { url: calm } = await listen(t, { API_KEYS: KEY })
  await new Promise((resolve) => setTimeout(resolve, 1200))
  const ok = await fetch(`${calm}/api/config`, { headers: { 'x-api-key': KEY } })
  t.equal(ok.status, 200, 'the default thresholds do not shed a normal load')
  await ok.arrayBuffer()
})

t.test('no framework version, stack trace or internals in any error answer', async (t) => {
  const { url } = await listen(t, { API_KEYS: KEY, RATE_LIMIT_MAX: '8' })
  const { host } = new URL(url)
  const answers: Array<{ status: number, text: string }> = []
  const collect = async (response: Response) => {
    const headers: string[] = []
    response.headers.forEach((value, name) => headers.push(`${name}: ${value}`))
    answers.push({ status: response.status, text: headers.join('\n') + await response.text() })
  }
  await collect(await fetch(`${url}/no-such-route`, { headers: { 'x-api-key': KEY } }))
  await collect(await fetch(`${url}/api/config`))
  await collect(await fetch(`${url}/api/tenants/test-connection`, { method: 'POST', headers: { 'x-api-key': KEY, 'content-type': 'application/json' }, body: '{"broken": ' }))
  await collect(await fetch(`${url}/api/tenants/test-connection`, { method: 'POST', headers: { 'x-api-key': KEY, 'content-type': 'application/json' }, body: '{"baseUrl": 42}' }))
  await collect(await fetch(`${url}/api/sap/IntegrationPackages`, { method: 'DELETE', headers: { 'x-api-key': KEY } }))
  await collect(await fetch(`${url}/api/sap/..%2f..%2fsecret`, { headers: { 'x-api-key': KEY } }))
  for (let i = 0; i < 4; i++) await collect(await fetch(`${url}/api/config`, { headers: { 'x-api-key': KEY } }))
  for (const raw of [requestHead(host, '/x', [`X-Big: ${'a'.repeat(MAX_HEADER_BYTES + 1)}`]), 'NOT HTTP\r\n\r\n']) {
    const response = await rawRequest(url, raw)
    answers.push({ status: response.status, text: response.head + response.body })
  }
  t.ok(answers.some((a) => a.status === 429), 'a 429 is among them')
  for (const { status, text } of answers) {
    if (status < 400) continue
    t.notMatch(text, STACK_LINE, `${status}: no stack trace`)
    t.notOk(text.includes('node_modules'), `${status}: no paths`)
    t.notOk(text.includes(FASTIFY_VERSION), `${status}: no framework version`)
    t.notMatch(text, /fastify|x-powered-by/i, `${status}: no framework name`)
  }
})

t.test('the contract 404 shape for unknown routes', async (t) => {
  const app = await build(t, { API_KEYS: KEY })
  const response = await app.inject({ url: '/nowhere?x=1', headers: { 'x-api-key': KEY } })
  t.equal(response.statusCode, 404)
  t.equal(response.headers['x-error-source'], 'proxy')
  t.match(response.json(), { statusCode: 404, error: 'Not Found', code: 'SAP_PROXY_NOT_FOUND', message: 'Route GET /nowhere not found', requestId: String })
})

t.test('the error handler alone gives a 413 for the typed-route body limit', async (t) => {
  const app = Fastify(serverOptions())
  await app.register(errorHandler)
  app.post('/echo', async (request) => request.body)
  t.teardown(() => app.close())
  const response = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ a: 'x'.repeat(1024 * 1024) }) })
  t.equal(response.statusCode, 413)
})
