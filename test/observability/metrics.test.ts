import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { Agent, request } from 'undici'
import { startFakeSap } from '../fixtures/fake-sap.js'
import { build, listen } from '../helper.js'
import { labelSets, metricValue, parseMetrics, type Sample } from './prometheus.js'

async function scrape (app: FastifyInstance): Promise<Sample[]> {
  const response = await app.inject('/metrics')
  if (response.statusCode !== 200) throw new Error(`/metrics answered ${response.statusCode}`)
  return parseMetrics(response.body)
}

/** Reads the registry directly: for tests where `/metrics` itself would be refused or counted. */
async function read (app: FastifyInstance): Promise<Sample[]> {
  return parseMetrics(await app.metrics.text())
}

async function until (condition: () => Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await sleep(10)
  }
}

const REQUESTS = 'sap_proxy_http_requests_total'
const UPSTREAM = 'sap_proxy_upstream_requests_total'

t.test('GET /metrics is Prometheus text; counts move as a known sequence of calls says', async (t) => {
  const app = await build(t)
  const sandbox = app.sandbox!

  for (let i = 0; i < 3; i++) t.equal((await app.inject('/api/sap/packages')).statusCode, 200)
  for (let i = 0; i < 2; i++) t.equal((await app.inject('/api/sap/IntegrationPackages?$top=1&$format=json')).statusCode, 200)
  t.equal((await app.inject('/api/v1/IntegrationPackages?$top=2')).statusCode, 200)
  t.equal((await app.inject('/no/such/route')).statusCode, 404)
  t.equal((await app.inject({ method: 'POST', url: '/api/sap/IntegrationPackages', payload: {} })).statusCode, 405)

  const response = await app.inject('/metrics')
  t.equal(response.statusCode, 200)
  t.match(response.headers['content-type'], /^text\/plain; version=0\.0\.4/)
  t.match(response.body, /# HELP sap_proxy_http_requests_total /)
  t.match(response.body, /# TYPE sap_proxy_http_request_duration_seconds histogram/)
  const samples = parseMetrics(response.body)

  t.equal(metricValue(samples, REQUESTS, { method: 'GET', route: '/api/sap/packages', status: '200' }), 3)
  t.equal(metricValue(samples, REQUESTS, { method: 'GET', route: '/api/sap/*', status: '200' }), 2)
  t.equal(metricValue(samples, REQUESTS, { method: 'GET', route: '/api/v1/*', status: '200' }), 1)
  t.equal(metricValue(samples, REQUESTS, { method: 'GET', route: '__unmatched__', status: '404' }), 1)
  t.equal(metricValue(samples, REQUESTS, { method: 'POST', route: '/api/sap/*', status: '405' }), 1)
  t.equal(metricValue(samples, REQUESTS), 8, 'the scrape itself is counted once answered')
  t.equal(metricValue(samples, 'sap_proxy_http_request_duration_seconds_count', { route: '/api/sap/packages' }), 3)
  t.ok(metricValue(samples, 'sap_proxy_http_request_duration_seconds_sum', { route: '/api/sap/packages' }) > 0)

  // Every call SAP received is counted once, under the route that made it.
  const apiCalls = sandbox.stats.requests.filter((r) => r.url.startsWith('/api/v1/'))
  t.equal(metricValue(samples, UPSTREAM), apiCalls.length)
  t.equal(metricValue(samples, UPSTREAM, { route: '/api/sap/*', method: 'GET', status: '200' }), 2)
  t.equal(metricValue(samples, UPSTREAM, { route: '/api/v1/*', status: '200' }), 1)
  t.ok(metricValue(samples, UPSTREAM, { route: '/api/sap/packages', status: '200' }) >= 3)
  t.equal(metricValue(samples, 'sap_proxy_upstream_duration_seconds_count'), apiCalls.length)
  t.equal(metricValue(samples, UPSTREAM, { method: 'POST' }), 0, 'the refused write never reached SAP')

  t.equal(metricValue(samples, 'sap_proxy_token_fetches_total', { outcome: 'success' }), 1)
  t.equal(metricValue(samples, 'sap_proxy_token_fetches_total', { outcome: 'failure' }), 0)
  t.equal(metricValue(samples, 'sap_proxy_token_fetch_duration_seconds_count'), 1)
  t.equal(metricValue(samples, 'sap_proxy_token_valid'), 1)
  const left = metricValue(samples, 'sap_proxy_token_expires_in_seconds')
  t.ok(left > 43_000 && left <= 43_199, `seconds left on the token: ${left}`)
  t.equal(metricValue(samples, 'sap_proxy_rate_limited_total'), 0)
  t.equal(metricValue(samples, 'sap_proxy_sap_throttled_total'), 0)
  t.equal(metricValue(samples, 'sap_proxy_passthrough_streams_in_flight'), 0)

  // One more of each moves each count by exactly one.
  await app.inject('/api/sap/IntegrationPackages?$top=1')
  const after = await scrape(app)
  t.equal(metricValue(after, REQUESTS, { route: '/api/sap/*', method: 'GET', status: '200' }), 3)
  t.equal(metricValue(after, UPSTREAM, { route: '/api/sap/*', method: 'GET', status: '200' }), 3)
  t.equal(metricValue(after, REQUESTS, { route: '/metrics' }), 1, 'the first scrape')
  t.equal(metricValue(after, 'sap_proxy_token_fetches_total', { outcome: 'success' }), 1, 'the token is reused')
})

t.test('label sets stay bounded: 1000 distinct paths make a handful of series, never a raw path', async (t) => {
  const app = await build(t, { SAP_MAX_RPS: '10000' })
  const paths = [
    ...Array.from({ length: 400 }, (_, i) => `/api/sap/NoSuchSet${i}?$top=${i}`),
    ...Array.from({ length: 300 }, (_, i) => `/nowhere/${i}/deeper`),
    ...Array.from({ length: 300 }, (_, i) => `/api/sap/packages/Unknown${i}`)
  ]
  t.equal(new Set(paths).size, 1000)
  for (let i = 0; i < paths.length; i += 50) {
    await Promise.all(paths.slice(i, i + 50).map((url) => app.inject(url)))
  }
  const response = await app.inject('/metrics')
  const samples = parseMetrics(response.body)
  t.equal(metricValue(samples, REQUESTS), 1000)
  const requestSeries = labelSets(samples, REQUESTS)
  t.ok(requestSeries.length <= 5, `request series: ${JSON.stringify(requestSeries)}`)
  t.same(new Set(requestSeries.map((labels) => labels.route)), new Set(['/api/sap/*', '__unmatched__', '/api/sap/packages/:id']))
  t.ok(labelSets(samples, UPSTREAM).length <= 4)
  t.ok(labelSets(samples, 'sap_proxy_http_request_duration_seconds_bucket').length <= 5 * 15)
  t.notMatch(response.body, /NoSuchSet|nowhere|Unknown\d/, 'no raw path in any label')
  t.ok(response.body.length < 200_000, `the whole exposition stays small: ${response.body.length} bytes`)
})

t.test('SAP 429s and failed calls are counted by route; the proxy\'s own 429s apart', async (t) => {
  const fake = await startFakeSap()
  t.teardown(() => fake.close())
  fake.handler = (req, res) => {
    if (req.url?.includes('Throttled') || req.url?.startsWith('/api/v1/IntegrationPackages')) {
      res.writeHead(429, { 'retry-after': '0', 'content-type': 'text/plain' }).end('slow down')
      return
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"d":{"results":[]}}')
  }
  const app = await build(t, fake.settings, { sapClient: { retry: { maxRetries: 1, baseBackoffMs: 1, maxBackoffMs: 1 } } })

  const passed = await app.inject('/api/sap/Throttled')
  t.equal(passed.statusCode, 429, 'the passthrough hands SAP\'s 429 on')
  t.equal(passed.headers['x-error-source'], undefined)
  const busy = await app.inject('/api/sap/packages')
  t.equal(busy.statusCode, 503, 'a typed route retries, then answers busy')

  let samples = await scrape(app)
  t.equal(metricValue(samples, 'sap_proxy_sap_throttled_total', { route: '/api/sap/*' }), 1)
  t.equal(metricValue(samples, 'sap_proxy_sap_throttled_total', { route: '/api/sap/packages' }), 2, 'the call and its retry')
  t.equal(metricValue(samples, UPSTREAM, { route: '/api/sap/packages', status: '429' }), 2)
  t.equal(metricValue(samples, REQUESTS, { route: '/api/sap/*', status: '429' }), 1)
  t.equal(metricValue(samples, REQUESTS, { route: '/api/sap/packages', status: '503' }), 1)
  t.equal(metricValue(samples, 'sap_proxy_rate_limited_total'), 0, 'SAP\'s 429 is not the proxy\'s')

  await fake.close()
  const unreachable = await app.inject('/api/sap/Anything')
  t.equal(unreachable.statusCode, 502)
  samples = await scrape(app)
  t.equal(metricValue(samples, UPSTREAM, { route: '/api/sap/*', status: 'error' }), 1, 'no answer at all: status="error"')
  t.equal(metricValue(samples, 'sap_proxy_upstream_duration_seconds_count', { route: '/api/sap/*', status: 'error' }), 1)
})

t.test('the proxy\'s rate-limit rejections are counted', async (t) => {
  const app = await build(t, { RATE_LIMIT_MAX: '2' })
  const statuses = []
  for (let i = 0; i < 4; i++) statuses.push((await app.inject('/api/config')).statusCode)
  t.same(statuses, [200, 200, 429, 429])
  const samples = await read(app)
  t.equal(metricValue(samples, 'sap_proxy_rate_limited_total', { route: '/api/config' }), 2)
  t.equal(metricValue(samples, REQUESTS, { route: '/api/config', status: '429' }), 2)
  t.equal(metricValue(samples, 'sap_proxy_sap_throttled_total'), 0)
})

t.test('token fetch failures are counted, and the token gauges follow the token', async (t) => {
  const app = await build(t, {}, { tokenBackoffMs: { base: 10, max: 20 } })
  app.sandbox!.setTokenEndpointDown(true)
  t.equal((await app.inject('/api/sap/IntegrationPackages')).statusCode, 503)
  let samples = await read(app)
  t.equal(metricValue(samples, 'sap_proxy_token_fetches_total', { outcome: 'failure' }), 1)
  t.equal(metricValue(samples, 'sap_proxy_token_fetches_total', { outcome: 'success' }), 0)
  t.equal(metricValue(samples, 'sap_proxy_token_valid'), 0)
  t.equal(metricValue(samples, 'sap_proxy_token_expires_in_seconds'), 0)
  t.equal(metricValue(samples, UPSTREAM), 0, 'without a token nothing went to SAP')

  app.sandbox!.setTokenEndpointDown(false)
  await sleep(30)
  t.equal((await app.inject('/api/sap/IntegrationPackages')).statusCode, 200)
  samples = await read(app)
  t.equal(metricValue(samples, 'sap_proxy_token_fetches_total', { outcome: 'success' }), 1)
  t.equal(metricValue(samples, 'sap_proxy_token_valid'), 1)

  await app.inject({ method: 'POST', url: '/api/sap/refresh-token' })
  samples = await read(app)
  t.equal(metricValue(samples, 'sap_proxy_token_fetches_total', { outcome: 'success' }), 2, 'a forced refresh is a fetch too')
})

t.test('CSRF token fetches before writes are counted', async (t) => {
  const fake = await startFakeSap()
  t.teardown(() => fake.close())
  fake.handler = (req, res) => {
    if (req.method === 'GET' && req.headers['x-csrf-token'] === 'Fetch') {
      res.writeHead(200, { 'x-csrf-token': 'sap-csrf', 'set-cookie': 'JSESSIONID=s1; Path=/' }).end()
      return
    }
    res.writeHead(201, { 'content-type': 'application/json' }).end('{"d":{}}')
  }
  const app = await build(t, { ...fake.settings, SAP_ALLOW_WRITES: 'true', SAP_CSRF: 'always' })
  for (let i = 0; i < 2; i++) {
    const response = await app.inject({ method: 'POST', url: '/api/sap/IntegrationPackages', payload: { Id: `P${i}` } })
    t.equal(response.statusCode, 201)
  }
  const samples = await read(app)
  t.equal(metricValue(samples, 'sap_proxy_csrf_fetches_total', { status: '200' }), 1, 'fetched once, then reused')
  t.equal(metricValue(samples, UPSTREAM, { method: 'POST', route: '/api/sap/*', status: '201' }), 2)
})

t.test('streams in flight rise and fall; an answer cut off is counted as aborted', async (t) => {
  const fake = await startFakeSap()
  t.teardown(() => fake.close())
  let finish = (): void => {}
  fake.handler = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/zip' })
    const timer = setInterval(() => res.write(Buffer.alloc(1024, 7)), 10)
    finish = () => { clearInterval(timer); res.end() }
    res.once('close', () => clearInterval(timer))
  }
  // A client of its own, closed at the end: a pooled spare connection would hold app.close() until its timeout.
  const dispatcher = new Agent()
  const { app, url } = await listen(t, fake.settings)
  const streams = async (): Promise<number> => metricValue(await read(app), 'sap_proxy_passthrough_streams_in_flight', { route: '/api/sap/*' })

  const complete = await request(`${url}/api/sap/IntegrationPackages('A')/$value`, { dispatcher })
  const reading = complete.body.arrayBuffer()
  await until(async () => await streams() === 1)
  t.ok(metricValue(await read(app), 'sap_proxy_http_requests_in_flight') >= 1)
  finish()
  await reading
  await until(async () => await streams() === 0)

  const controller = new AbortController()
  const cut = await request(`${url}/api/sap/IntegrationPackages('B')/$value`, { signal: controller.signal, dispatcher })
  for await (const _chunk of cut.body) break
  t.equal(await streams(), 1)
  controller.abort()
  await until(async () => await streams() === 0)
  await until(async () => metricValue(await read(app), 'sap_proxy_http_requests_aborted_total') === 1)
  const samples = await read(app)
  t.equal(metricValue(samples, 'sap_proxy_http_requests_aborted_total', { route: '/api/sap/*' }), 1)
  t.equal(metricValue(samples, REQUESTS, { route: '/api/sap/*', status: '200' }), 2, 'both counted, with the status that was sent')
  t.equal(metricValue(samples, 'sap_proxy_http_requests_in_flight'), 0)
  await dispatcher.destroy()
})

t.test('each app has its own registry, with process and event-loop metrics', async (t) => {
  const first = await build(t)
  const second = await build(t)
  await first.inject('/api/config')
  const a = await read(first)
  const b = await read(second)
  t.equal(metricValue(a, REQUESTS, { route: '/api/config' }), 1)
  t.equal(metricValue(b, REQUESTS, { route: '/api/config' }), 0, 'apps in one process do not share counters')
  for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_eventloop_lag_p99_seconds', 'nodejs_heap_size_used_bytes', 'nodejs_active_handles_total']) {
    t.ok(a.some((sample) => sample.name === name), name)
  }
})

t.test('/metrics shows no secret, and is protected once caller authentication is on', async (t) => {
  const key = 'metrics-scraper-key-0123456789'
  const app = await build(t, { API_KEYS: key })
  const token = await app.tenant.tokens.get()
  const refused = await app.inject('/metrics')
  t.equal(refused.statusCode, 401)
  t.equal(refused.headers['x-error-source'], 'proxy')
  const allowed = await app.inject({ url: '/metrics', headers: { 'x-api-key': key } })
  t.equal(allowed.statusCode, 200)
  for (const secret of [key, token, app.sandbox!.clientSecret]) t.notOk(allowed.body.includes(secret))
})
