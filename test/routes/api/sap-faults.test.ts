import type { ServerResponse } from 'node:http'
import t, { type Test } from 'tap'
import { startCanary } from '../../fixtures/canary.js'
import { startFakeSap, type FakeSap } from '../../fixtures/fake-sap.js'
import { build } from '../../helper.js'
import { PackageListSchema } from '../../../src/sap/models.js'
import { ProxyErrorSchema } from '../../../src/sap/route-schemas.js'
import { assertShape } from './schema-check.js'

const QUICK_RETRY = { retry: { maxRetries: 2, baseBackoffMs: 10, maxBackoffMs: 20 } }

function json (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body))
}

const pkg = (id: string) => ({ __metadata: { uri: `https://tenant.example:443/api/v1/IntegrationPackages('${id}')` }, Id: id, Name: id, CreationDate: '1521463557739', ModifiedDate: null })

async function fakeTenant (t: { teardown (fn: () => unknown): void }): Promise<FakeSap> {
  const fake = await startFakeSap()
  t.teardown(() => fake.close())
  return fake
}

function assertProxyError (t: Test, res: { statusCode: number, headers: Record<string, unknown>, json (): unknown, body: string }, status: number, code: string, fake?: FakeSap): void {
  t.equal(res.statusCode, status)
  t.equal(res.headers['x-error-source'], 'proxy')
  assertShape(t, ProxyErrorSchema, res.json())
  t.match(res.json(), { statusCode: status, code })
  if (fake) {
    t.notMatch(res.body, fake.url, 'no upstream url')
    t.notMatch(res.body, /127\.0\.0\.1/, 'no upstream address')
    t.notMatch(res.body, fake.clientSecret)
    t.notMatch(res.body, /fake-token/, 'no bearer')
  }
}

t.test("SAP's 5xx becomes 502 without SAP's text; 404 keeps SAP's message", async (t) => {
  const fake = await fakeTenant(t)
  fake.handler = (req, res) => {
    if (req.url?.startsWith('/api/v1/IntegrationPackages(')) return json(res, 404, { error: { code: 'Not Found', message: { lang: 'en', value: 'Integration package P was not found.' } } })
    json(res, 500, { error: { code: 'Internal Server Error', message: { lang: 'en', value: 'java.lang.NullPointerException at com.sap.internal.Thing (db01.internal:5432)' } } })
  }
  const app = await build(t, fake.settings, { sapClient: QUICK_RETRY })
  const failed = await app.inject('/api/sap/packages')
  assertProxyError(t, failed, 502, 'SAP_PROXY_UPSTREAM_ERROR', fake)
  t.equal(failed.json().message, 'SAP answered with an error: 500 Internal Server Error')
  t.notMatch(failed.body, /NullPointer|db01/)
  t.equal(fake.requests.length, 1, 'a 500 is not retried')

  const missing = await app.inject('/api/sap/packages/P')
  assertProxyError(t, missing, 404, 'SAP_PROXY_NOT_FOUND', fake)
  t.equal(missing.json().message, 'Integration package P was not found.')
})

t.test('429 with Retry-After is waited out and retried; the caller sees the answer', async (t) => {
  const fake = await fakeTenant(t)
  const times: number[] = []
  fake.handler = (_req, res) => {
    times.push(performance.now())
    if (times.length === 1) return json(res, 429, { error: { code: 'Too Many Requests', message: { lang: 'en', value: 'Too many requests' } } }, { 'retry-after': '1' })
    json(res, 200, { d: { results: [pkg('P')] } })
  }
  const app = await build(t, fake.settings)
  const res = await app.inject('/api/sap/packages')
  t.equal(res.statusCode, 200)
  assertShape(t, PackageListSchema, res.json())
  t.equal(times.length, 2)
  t.ok(times[1]! - times[0]! >= 990, `retried after Retry-After: ${(times[1]! - times[0]!).toFixed(0)} ms`)
})

t.test('SAP busy past the retries: 503 with Retry-After, retries bounded', async (t) => {
  const fake = await fakeTenant(t)
  fake.handler = (_req, res) => json(res, 503, { error: { code: 'Service Unavailable', message: { lang: 'en', value: 'busy' } } })
  const app = await build(t, fake.settings, { sapClient: QUICK_RETRY })
  const res = await app.inject('/api/sap/packages')
  assertProxyError(t, res, 503, 'SAP_PROXY_UPSTREAM_BUSY', fake)
  t.ok(Number(res.headers['retry-after']) >= 1, 'Retry-After set')
  t.equal(fake.requests.length, 3, 'one call and two retries, no more')
})

t.test('paging: __next followed, absolute and relative, to the end', async (t) => {
  const fake = await fakeTenant(t)
  const all = Array.from({ length: 2500 }, (_, i) => pkg(`P${String(i).padStart(4, '0')}`))
  fake.handler = (req, res) => {
    const url = new URL(req.url ?? '/', fake.url)
    if (url.pathname === '/api/v1/IntegrationRuntimeArtifacts') return json(res, 200, { d: { results: [] } })
    const skip = Number(url.searchParams.get('$skiptoken') ?? 0)
    const page = all.slice(skip, skip + 1000)
    const next = skip + 1000 >= all.length
      ? undefined
      // The first next link is absolute (as SAP's links are), the second relative to the service root.
      : skip === 0 ? `${fake.url}/api/v1/IntegrationPackages?$skiptoken=1000` : `IntegrationPackages?$skiptoken=${skip + 1000}`
    json(res, 200, { d: { results: page, ...(next ? { __next: next } : {}) } })
  }
  const app = await build(t, fake.settings)
  const res = await app.inject('/api/sap/packages')
  t.equal(res.statusCode, 200)
  t.equal(res.json().count, 2500)
  t.same(res.json().packages.map((p: { id: string }) => p.id), all.map((p) => p.Id), 'every entry, in order')
  t.same(fake.requests.map((r) => r.url), ['/api/v1/IntegrationPackages', '/api/v1/IntegrationPackages?$skiptoken=1000', '/api/v1/IntegrationPackages?$skiptoken=2000'])
})

t.test('a next link to another host is never followed: the bearer stays home', async (t) => {
  const fake = await fakeTenant(t)
  const canary = await startCanary()
  t.teardown(() => canary.close())
  fake.handler = (_req, res) => json(res, 200, { d: { results: [pkg('P')], __next: `${canary.url}/api/v1/IntegrationPackages?$skiptoken=1` } })
  const app = await build(t, fake.settings)
  const res = await app.inject('/api/sap/packages')
  assertProxyError(t, res, 502, 'SAP_PROXY_UPSTREAM_ERROR', fake)
  t.notMatch(res.body, canary.host)
  t.same(canary.hits, [], 'the canary received nothing')
})

t.test('answers that are not JSON are 502', async (t) => {
  const fake = await fakeTenant(t)
  fake.handler = (_req, res) => { res.writeHead(200, { 'content-type': 'application/atom+xml' }).end('<feed xmlns="http://www.w3.org/2005/Atom"/>') }
  const app = await build(t, fake.settings)
  assertProxyError(t, await app.inject('/api/sap/packages'), 502, 'SAP_PROXY_UPSTREAM_ERROR', fake)
})

t.test('SAP too slow: 504 within SAP_TIMEOUT_MS', async (t) => {
  const fake = await fakeTenant(t)
  fake.handler = () => { /* never answers */ }
  const app = await build(t, { ...fake.settings, SAP_TIMEOUT_MS: '300' })
  const started = performance.now()
  const res = await app.inject('/api/sap/packages')
  assertProxyError(t, res, 504, 'SAP_PROXY_UPSTREAM_TIMEOUT', fake)
  t.equal(res.json().message, 'SAP did not answer within 300 ms')
  t.ok(performance.now() - started < 3000)
})

t.test('SAP unreachable: 502 without the address', async (t) => {
  const fake = await fakeTenant(t)
  const closed = await startCanary()
  const deadUrl = closed.url
  await closed.close()
  const app = await build(t, { ...fake.settings, SAP_BASE_URL: deadUrl })
  const res = await app.inject('/api/sap/packages')
  assertProxyError(t, res, 502, 'SAP_PROXY_UPSTREAM_UNREACHABLE', fake)
  t.notMatch(res.body, new URL(deadUrl).port)
})

t.test('no token: 503 with Retry-After on every typed SAP route', async (t) => {
  const fake = await fakeTenant(t)
  fake.tokenDown = true
  const app = await build(t, fake.settings)
  for (const url of ['/api/sap/packages', '/api/sap/packages/P', '/api/sap/iflows', '/api/sap/iflows/F', '/api/sap/base-tenant-data']) {
    const res = await app.inject(url)
    assertProxyError(t, res, 503, 'SAP_PROXY_TOKEN_UNAVAILABLE', fake)
    t.ok(Number(res.headers['retry-after']) >= 1, `${url}: Retry-After`)
  }
  t.equal(fake.requests.length, 0, 'nothing reached the API')
  const refresh = await app.inject({ method: 'POST', url: '/api/sap/refresh-token' })
  assertProxyError(t, refresh, 503, 'SAP_PROXY_TOKEN_UNAVAILABLE', fake)
})

t.test('one failing package fails the fan-out fast: no further calls are started', async (t) => {
  const fake = await fakeTenant(t)
  fake.handler = (req, res) => {
    const url = req.url ?? ''
    if (url === '/api/v1/IntegrationPackages') return json(res, 200, { d: { results: Array.from({ length: 50 }, (_, i) => pkg(`P${i}`)) } })
    if (url === '/api/v1/IntegrationRuntimeArtifacts') return json(res, 200, { d: { results: [] } })
    if (url.includes("('P0')")) return json(res, 500, { error: { code: 'x', message: { lang: 'en', value: 'x' } } })
    json(res, 200, { d: { results: [] } })
  }
  const app = await build(t, { ...fake.settings, SAP_MAX_RPS: '1000' })
  const res = await app.inject('/api/sap/base-tenant-data')
  t.equal(res.statusCode, 502)
  t.ok(fake.requests.length < 20, `stopped early: ${fake.requests.length} of 52 calls`)
})
