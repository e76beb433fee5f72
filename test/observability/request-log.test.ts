import t from 'tap'
import { Agent, request } from 'undici'
import { redactQuery, requestLogFields } from '../../src/observability/request-log.js'
import { RequestObservation } from '../../src/observability/request-context.js'
import { startFakeSap } from '../fixtures/fake-sap.js'
import { build, listen } from '../helper.js'
import { logLines } from './prometheus.js'

type Line = Record<string, unknown>

function linesOf (lines: Line[], requestId: string): Line[] {
  return lines.filter((line) => line.requestId === requestId)
}

t.test('one structured line per request at info: route, status, duration, upstream, bytes', async (t) => {
  const log = logLines()
  const { app, url } = await listen(t, {}, { logStream: log.stream, logLevel: 'info' })

  const typed = await request(`${url}/api/sap/packages`, { headers: { 'x-request-id': 'typed-1' } })
  const typedBody = await typed.body.text()
  const passthrough = await request(`${url}/api/sap/IntegrationPackages?$top=2&$format=json`, { headers: { 'x-request-id': 'pass-1' } })
  await passthrough.body.dump()
  const missing = await request(`${url}/nowhere/abc?secret=1`, { headers: { 'x-request-id': 'missing-1' } })
  await missing.body.dump()

  t.notOk(log.lines.some((line) => line.msg === 'incoming request'), 'no separate "incoming request" line')
  for (const id of ['typed-1', 'pass-1', 'missing-1']) t.equal(linesOf(log.lines, id).length, 1, `${id}: exactly one line`)

  const [typedLine] = linesOf(log.lines, 'typed-1')
  t.match(typedLine, { level: 30, msg: 'request completed', method: 'GET', route: '/api/sap/packages', statusCode: 200, durationMs: Number, upstream: { calls: Number, statusCode: 200, durationMs: Number } })
  t.ok((typedLine!.bytesSent as number) > Buffer.byteLength(typedBody), 'bytes sent: headers and body')
  t.notOk('url' in (typedLine!.upstream as object), 'no upstream url without DEBUG')

  t.match(linesOf(log.lines, 'pass-1')[0], { route: '/api/sap/*', statusCode: 200, upstream: { calls: 1, statusCode: 200 }, bytesSent: Number })
  const missingLine = linesOf(log.lines, 'missing-1')[0]!
  t.match(missingLine, { route: '__unmatched__', statusCode: 404, code: 'SAP_PROXY_NOT_FOUND' })
  t.notOk('upstream' in missingLine, 'no upstream part when SAP was not called')
  t.notMatch(log.text(), /nowhere|secret=1/, 'never the raw url')
  t.equal(app.sandbox!.stats.requests.length > 0, true)
})

t.test('errors carry the answered code and their cause', async (t) => {
  const log = logLines()
  const fake = await startFakeSap()
  t.teardown(() => fake.close())
  const app = await build(t, fake.settings, { logStream: log.stream, logLevel: 'info' })
  t.equal((await app.inject('/api/sap/IntegrationPackages')).statusCode, 200) // a token is held from now on
  await fake.close()

  t.equal((await app.inject({ url: '/api/sap/IntegrationPackages', headers: { 'x-request-id': 'down-1' } })).statusCode, 502)
  const line = linesOf(log.lines, 'down-1').find((l) => l.msg === 'request completed')
  t.match(line, {
    statusCode: 502,
    code: 'SAP_PROXY_UPSTREAM_UNREACHABLE',
    error: { type: String, message: 'SAP could not be reached', cause: { message: String } },
    upstream: { calls: 1, statusCode: null }
  })

  app.tenant.tokens.invalidate()
  t.equal((await app.inject({ url: '/api/sap/packages', headers: { 'x-request-id': 'token-1' } })).statusCode, 503)
  t.match(linesOf(log.lines, 'token-1').find((l) => l.msg === 'request completed'), {
    statusCode: 503,
    code: 'SAP_PROXY_TOKEN_UNAVAILABLE',
    error: { type: 'TokenUnavailableError', message: /token endpoint unreachable/ }
  })

  t.equal((await app.inject({ method: 'DELETE', url: '/api/sap/IntegrationPackages(\'X\')', headers: { 'x-request-id': 'refused-1' } })).statusCode, 405)
  t.match(linesOf(log.lines, 'refused-1').find((l) => l.msg === 'request completed'), { statusCode: 405, code: 'SAP_PROXY_METHOD_NOT_ALLOWED', error: { type: String } })
})

t.test('DEBUG=true adds the upstream url, with credential-like query values removed', async (t) => {
  const log = logLines()
  const app = await build(t, { DEBUG: 'true' }, { logStream: log.stream, logLevel: 'info' })
  const base = app.tenant.baseUrl
  const query = '$top=1&access_token=TOPSECRET1&sig=TOPSECRET2&$filter=Name%20eq%20%27x%27&api_key=TOPSECRET3'
  await app.inject({ url: `/api/sap/IntegrationPackages?${query}`, headers: { 'x-request-id': 'debug-1' } })
  await app.inject({ url: '/api/sap/packages', headers: { 'x-request-id': 'debug-2' } })

  t.match(linesOf(log.lines, 'debug-1')[0], {
    upstream: { url: `${base}/api/v1/IntegrationPackages?$top=1&access_token=[redacted]&sig=[redacted]&$filter=Name%20eq%20%27x%27&api_key=[redacted]` }
  })
  t.match(linesOf(log.lines, 'debug-2')[0], { upstream: { url: `${base}/api/v1/IntegrationPackages` } })
  t.notMatch(log.text(), /TOPSECRET/)
})

t.test('the caller\'s hash is on the line, never its key', async (t) => {
  const key = 'the-callers-own-key-0123456789'
  const log = logLines()
  const app = await build(t, { API_KEYS: key }, { logStream: log.stream, logLevel: 'info' })
  await app.inject({ url: '/api/config', headers: { 'x-api-key': key, 'x-request-id': 'caller-1' } })
  await app.inject({ url: '/api/config', headers: { 'x-request-id': 'anonymous-1' } })
  t.match(linesOf(log.lines, 'caller-1')[0], { callerId: /^key:[0-9a-f]{12}$/, statusCode: 200 })
  t.notOk('callerId' in linesOf(log.lines, 'anonymous-1')[0]!, 'no caller, no caller id')
  t.notOk(log.text().includes(key))
})

t.test('no secret, token or cookie in any line, at trace level with DEBUG on', async (t) => {
  const key = 'trace-level-caller-key-0123456789'
  const log = logLines()
  const fake = await startFakeSap()
  t.teardown(() => fake.close())
  fake.handler = (req, res) => {
    if (req.headers['x-csrf-token'] === 'Fetch') {
      res.writeHead(200, { 'x-csrf-token': 'SAP-CSRF-VALUE', 'set-cookie': 'JSESSIONID=SAP-SESSION-VALUE; Path=/' }).end()
      return
    }
    res.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'application/json', 'set-cookie': 'other=SAP-COOKIE-VALUE' }).end('{"d":{"results":[]}}')
  }
  const app = await build(t, { ...fake.settings, DEBUG: 'true', API_KEYS: key, SAP_ALLOW_WRITES: 'true', SAP_CSRF: 'always' }, { logStream: log.stream, logLevel: 'trace' })
  const headers = { 'x-api-key': key, cookie: 'caller=CALLER-COOKIE-VALUE', 'x-csrf-token': 'CALLER-CSRF-VALUE' }
  t.equal((await app.inject({ url: '/api/sap/IntegrationPackages', headers })).statusCode, 200)
  t.equal((await app.inject({ method: 'POST', url: '/api/sap/IntegrationPackages', headers, payload: { Id: 'A' } })).statusCode, 201)
  t.equal((await app.inject({ url: '/api/sap/IntegrationPackages', headers: { authorization: `Bearer ${key}` } })).statusCode, 200)
  t.equal((await app.inject({ url: '/api/sap/packages', headers })).statusCode, 200)
  const text = log.text()
  t.ok(log.lines.length >= 4)
  for (const secret of [key, fake.clientSecret, 'fake-token-1', 'SAP-CSRF-VALUE', 'SAP-SESSION-VALUE', 'SAP-COOKIE-VALUE', 'CALLER-COOKIE-VALUE', 'CALLER-CSRF-VALUE']) {
    t.notOk(text.includes(secret), `never ${secret}`)
  }
})

t.test('a download cut off by the client is logged once, as aborted', async (t) => {
  const log = logLines()
  const fake = await startFakeSap()
  t.teardown(() => fake.close())
  fake.handler = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/zip' })
    const timer = setInterval(() => res.write(Buffer.alloc(1024, 1)), 10)
    res.once('close', () => clearInterval(timer))
  }
  const dispatcher = new Agent()
  const { url } = await listen(t, fake.settings, { logStream: log.stream, logLevel: 'info' })
  const controller = new AbortController()
  const download = await request(`${url}/api/sap/IntegrationPackages('P')/$value`, { signal: controller.signal, headers: { 'x-request-id': 'cut-1' }, dispatcher })
  for await (const _chunk of download.body) break
  controller.abort()
  const deadline = Date.now() + 2000
  while (linesOf(log.lines, 'cut-1').length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10))
  await new Promise((resolve) => setTimeout(resolve, 50))
  const lines = linesOf(log.lines, 'cut-1')
  t.equal(lines.length, 1)
  t.match(lines[0], { msg: 'request aborted', aborted: true, statusCode: 200, route: '/api/sap/*', upstream: { calls: 1, statusCode: 200 } })
  await dispatcher.destroy()
})

t.test('redactQuery keeps OData options byte for byte and hides credential-like values', async (t) => {
  t.equal(redactQuery('/api/v1/X'), '/api/v1/X')
  t.equal(redactQuery('/api/v1/X?$top=1&$skip=2'), '/api/v1/X?$top=1&$skip=2')
  t.equal(redactQuery('/a?token=abc&Password=p&client_secret=s&x=1'), '/a?token=[redacted]&Password=[redacted]&client_secret=[redacted]&x=1')
  t.equal(redactQuery('/a?%61ccess_token=abc'), '/a?%61ccess_token=[redacted]', 'encoded names are judged decoded')
  t.equal(redactQuery('/a?flag&code=1'), '/a?flag&code=[redacted]')
})

t.test('requestLogFields: only what a line needs, upstream url only when debugging', async (t) => {
  const observation = new RequestObservation('id-1', 'GET', '/api/sap/*', { upstreamBase: 'https://tenant.example' })
  observation.recordUpstream({ statusCode: 401, durationMs: 10, path: '/api/v1/X?$top=1' })
  observation.recordUpstream({ statusCode: 200, durationMs: 5.55, path: '/api/v1/X?$top=1' })
  t.same(requestLogFields({ method: 'GET', route: '/api/sap/*', statusCode: 200, durationMs: 20.04, observation }), {
    method: 'GET',
    route: '/api/sap/*',
    statusCode: 200,
    durationMs: 20,
    upstream: { calls: 2, statusCode: 200, durationMs: 15.6, url: 'https://tenant.example/api/v1/X?$top=1' }
  })
  const quiet = new RequestObservation('id-2', 'GET', '/', {})
  quiet.recordUpstream({ statusCode: 200, path: '/api/v1/X' })
  t.notOk('url' in (requestLogFields({ method: 'GET', route: '/', statusCode: 200, durationMs: 1, observation: quiet }).upstream as object))
})
