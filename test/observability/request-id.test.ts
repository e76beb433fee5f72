import type { InjectOptions } from 'fastify'
import t from 'tap'
import { request } from 'undici'
import { startFakeSap } from '../fixtures/fake-sap.js'
import { build, listen } from '../helper.js'
import { logLines } from './prometheus.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

t.test('a sane X-Request-Id is kept: answered, on every log line of the request, sent to SAP on the passthrough and typed routes', async (t) => {
  const log = logLines()
  const app = await build(t, {}, { logStream: log.stream, logLevel: 'info' })
  const sandbox = app.sandbox!

  for (const [id, url] of [['front-end.call:42', '/api/sap/packages'], ['PT-7_a', '/api/sap/IntegrationPackages?$top=1'], ['cpi-tool-1', '/api/v1/IntegrationPackages']] as const) {
    const before = sandbox.stats.requests.length
    const linesBefore = log.lines.length
    const response = await app.inject({ url, headers: { 'x-request-id': id } })
    t.equal(response.statusCode, 200, url)
    t.equal(response.headers['x-request-id'], id, `${url}: answered`)
    const toSap = sandbox.stats.requests.slice(before).filter((r) => r.url.startsWith('/api/v1/'))
    t.ok(toSap.length >= 1, `${url}: reached SAP`)
    for (const received of toSap) {
      t.equal(received.headers['x-request-id'], id, `${url}: SAP got X-Request-Id`)
      t.equal(received.headers['x-correlationid'], id, `${url}: SAP got X-CorrelationID`)
    }
    const lines = log.lines.slice(linesBefore)
    t.ok(lines.length >= 1)
    t.ok(lines.every((line) => line.requestId === id), `${url}: every line of the request carries its id`)
  }

  // A failing request writes more than one line (the error handler's, then the request's): all carry the id.
  sandbox.setTokenEndpointDown(true)
  app.tenant.tokens.invalidate()
  const linesBefore = log.lines.length
  t.equal((await app.inject({ url: '/api/sap/packages', headers: { 'x-request-id': 'no-token-2' } })).statusCode, 503)
  const lines = log.lines.slice(linesBefore)
  t.ok(lines.length >= 2, `${lines.length} lines`)
  t.ok(lines.every((line) => line.requestId === 'no-token-2'))
})

t.test('a fan-out of a typed route carries the request id on every call to SAP', async (t) => {
  const app = await build(t, { SAP_MAX_RPS: '1000' })
  const sandbox = app.sandbox!
  await app.inject('/health') // the token, outside the request under test
  const before = sandbox.stats.requests.length
  const response = await app.inject({ url: '/api/sap/base-tenant-data', headers: { 'x-request-id': 'snapshot-1' } })
  t.equal(response.statusCode, 200)
  const calls = sandbox.stats.requests.slice(before)
  t.ok(calls.length > 1, `several calls: ${calls.length}`)
  t.same(new Set(calls.map((r) => r.headers['x-request-id'])), new Set(['snapshot-1']))
  t.same(new Set(calls.map((r) => r.headers['x-correlationid'])), new Set(['snapshot-1']))
})

t.test('an unusable X-Request-Id is replaced by a fresh UUID, which SAP then receives', async (t) => {
  const app = await build(t)
  const sandbox = app.sandbox!
  for (const incoming of ['has space', 'x'.repeat(129), '<script>', 'a/b', 'ü', '']) {
    const before = sandbox.stats.requests.length
    const response = await app.inject({ url: '/api/sap/IntegrationPackages', headers: { 'x-request-id': incoming } })
    const id = response.headers['x-request-id'] as string
    t.match(id, UUID, JSON.stringify(incoming))
    t.not(id, incoming)
    const received = sandbox.stats.requests.slice(before).find((r) => r.url.startsWith('/api/v1/'))
    t.equal(received?.headers['x-request-id'], id)
  }
  const a = await app.inject('/api/config')
  const b = await app.inject('/api/config')
  t.not(a.headers['x-request-id'], b.headers['x-request-id'], 'one id per request')
})

t.test('every answer carries x-request-id: errors, 404s and refusals included', async (t) => {
  const app = await build(t, { SAP_MAX_UPLOAD_BYTES: '10', SAP_ALLOW_WRITES: 'false' }, { tokenBackoffMs: { base: 10, max: 10 } })
  const cases: Array<[string, InjectOptions, number]> = [
    ['root', { url: '/' }, 200],
    ['unknown route', { url: '/no/such/thing' }, 404],
    ['escaping path', { url: '/api/sap/..%2fsecret' }, 400],
    ['write refused', { method: 'POST', url: '/api/sap/IntegrationPackages', payload: '{}' }, 405],
    ['invalid id on a typed route', { url: '/api/sap/packages/bad\'id' }, 400],
    ['CORS preflight', { method: 'OPTIONS', url: '/api/sap/packages', headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'GET' } }, 204]
  ]
  for (const [name, options, status] of cases) {
    const response = await app.inject(options)
    t.equal(response.statusCode, status, name)
    t.match(response.headers['x-request-id'], UUID, `${name}: x-request-id`)
    if (status >= 400) t.equal(response.json().requestId, response.headers['x-request-id'], `${name}: the body names the same id`)
  }
  app.sandbox!.setTokenEndpointDown(true)
  const noToken = await app.inject({ url: '/api/sap/IntegrationPackages', headers: { 'x-request-id': 'no-token-1' } })
  t.equal(noToken.statusCode, 503)
  t.equal(noToken.headers['x-request-id'], 'no-token-1')
  t.equal(noToken.json().requestId, 'no-token-1')
})

t.test('x-request-id on 401, 429 and 502, over real HTTP', async (t) => {
  const key = 'caller-key-for-request-ids-0123'
  const fake = await startFakeSap()
  t.teardown(() => fake.close())
  const { url } = await listen(t, { ...fake.settings, API_KEYS: key, RATE_LIMIT_MAX: '2' })
  const unauthenticated = await request(`${url}/api/sap/IntegrationPackages`, { headers: { 'x-request-id': 'who-am-i' } })
  await unauthenticated.body.dump()
  t.equal(unauthenticated.statusCode, 401)
  t.equal(unauthenticated.headers['x-request-id'], 'who-am-i')

  const first = await request(`${url}/api/sap/IntegrationPackages`, { headers: { 'x-api-key': key } }) // holds a token from now on
  await first.body.dump()
  t.equal(first.statusCode, 200)
  await fake.close()
  const unreachable = await request(`${url}/api/sap/IntegrationPackages`, { headers: { 'x-api-key': key, 'x-request-id': 'sap-down' } })
  t.equal(unreachable.statusCode, 502)
  t.equal(unreachable.headers['x-request-id'], 'sap-down')
  t.equal((await unreachable.body.json() as { requestId: string }).requestId, 'sap-down')

  const limited = await request(`${url}/api/config`, { headers: { 'x-api-key': key, 'x-request-id': 'too-many' } })
  await limited.body.dump()
  t.equal(limited.statusCode, 429)
  t.equal(limited.headers['x-request-id'], 'too-many')
})
