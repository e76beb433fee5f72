import { Readable } from 'node:stream'
import t from 'tap'
import { Pacer } from '../../../src/sap/pacer.js'
import { parseRetryAfter, SapClient, SapStatusError, toProxyError, type ApiCaller } from '../../../src/sap/sap-client.js'
import type { ApiResponse } from '../../../src/sap/tenant.js'
import { TokenUnavailableError } from '../../../src/sap/token-provider.js'

type Reply = { status: number, body?: unknown, headers?: Record<string, string> } | Error

function response ({ status, body = '', headers = {} }: { status: number, body?: unknown, headers?: Record<string, string> }): ApiResponse {
  const text = typeof body === 'string' ? body : JSON.stringify(body)
  const stream = Object.assign(Readable.from([Buffer.from(text)]), { dump: async () => {} })
  return { statusCode: status, headers, body: stream as unknown as ApiResponse['body'] }
}

/** An API stand-in answering from a script (by path, or in turn), recording the paths asked. */
function fakeApi (script: (path: string, n: number) => Reply, apiUrl = 'https://t.example/api/v1') {
  const paths: string[] = []
  const api: ApiCaller = {
    apiUrl,
    callApi: async (path) => {
      paths.push(path)
      const reply = script(path, paths.length)
      if (reply instanceof Error) throw reply
      return response(reply)
    }
  }
  return { api, paths }
}

/** A pacer that records holds instead of waiting them out, so these tests take no real time. */
class RecordingPacer extends Pacer {
  readonly holds: number[] = []
  override holdFor (ms: number): void { this.holds.push(ms) }
}

function client (api: ApiCaller, options: Partial<ConstructorParameters<typeof SapClient>[0]> = {}) {
  const waits: number[] = []
  const pacer = new RecordingPacer({ ratePerSecond: 10_000, maxInFlight: 4 })
  const sap = new SapClient({
    api,
    pacer,
    timeoutMs: 1234,
    wait: async (ms) => { waits.push(ms) },
    random: () => 0.5,
    ...options
  })
  return { sap, waits, pacer }
}

const sapError = (value: string) => ({ error: { code: 'x', message: { lang: 'en', value } } })

t.test('Retry-After: seconds or an HTTP date', async (t) => {
  t.equal(parseRetryAfter('3'), 3000)
  t.equal(parseRetryAfter(['2', '9']), 2000)
  const fromDate = parseRetryAfter(new Date(Date.now() + 5000).toUTCString()) ?? 0
  t.ok(fromDate > 3000 && fromDate <= 5000, `an HTTP date 5 s ahead: ${fromDate} ms`)
  t.equal(parseRetryAfter(new Date(0).toUTCString()), 0, 'a date in the past means now')
  t.equal(parseRetryAfter(undefined), undefined)
  t.equal(parseRetryAfter('soon'), undefined)
})

t.test('429 and 503 are retried, honouring Retry-After, and the pacer holds meanwhile', async (t) => {
  const { api, paths } = fakeApi((_path, n) => n === 1 ? { status: 429, headers: { 'retry-after': '2' } } : n === 2 ? { status: 503 } : { status: 200, body: { d: { Id: 'P' } } })
  const { sap, waits, pacer } = client(api)
  t.same(await sap.getEntity('IntegrationPackages(\'P\')'), { Id: 'P' })
  t.equal(paths.length, 3)
  t.same(waits, [2000, 750], 'Retry-After first, then the back-off of a second retry (base 500 ms doubled, equal jitter)')
  t.same(pacer.holds, [2000], 'a 429 holds every start of the client, a 503 only the call')
  t.same(sap.stats, { requests: 3, retries: 2, throttled: 1 })
})

t.test('retries are bounded; the caller then gets 503 with Retry-After', async (t) => {
  const { api, paths } = fakeApi(() => ({ status: 429 }))
  const { sap, waits } = client(api, { maxRetries: 3 })
  const err = await sap.getJson('IntegrationPackages').catch((e: unknown) => e)
  t.ok(err instanceof SapStatusError)
  t.equal(paths.length, 4, 'one call and three retries')
  t.same(waits, [375, 750, 1500], 'doubling back-off')
  const mapped = toProxyError(err) as Error & { statusCode: number, code: string, retryAfterSeconds: number }
  t.equal(mapped.statusCode, 503)
  t.equal(mapped.code, 'SAP_PROXY_UPSTREAM_BUSY')
  t.ok(mapped.retryAfterSeconds >= 1)
})

t.test('a Retry-After beyond the limit is not waited for', async (t) => {
  const { api, paths } = fakeApi(() => ({ status: 503, headers: { 'retry-after': '120' } }))
  const { sap, waits } = client(api, { maxRetryDelayMs: 10_000 })
  const err = await sap.getJson('x').catch((e: unknown) => e) as SapStatusError
  t.equal(paths.length, 1)
  t.same(waits, [])
  t.equal(err.retryAfterSeconds, 120, 'passed on to the caller')
})

t.test('other statuses are not retried and keep SAP\'s message', async (t) => {
  for (const [status, code, httpStatus] of [[404, 'SAP_PROXY_NOT_FOUND', 404], [500, 'SAP_PROXY_UPSTREAM_ERROR', 502], [502, 'SAP_PROXY_UPSTREAM_ERROR', 502], [400, 'SAP_PROXY_UPSTREAM_ERROR', 502], [403, 'SAP_PROXY_UPSTREAM_ERROR', 502], [401, 'SAP_PROXY_UPSTREAM_ERROR', 502]] as const) {
    const { api, paths } = fakeApi(() => ({ status, body: sapError(`secret-internal-${status}`) }))
    const { sap } = client(api)
    const err = await sap.getJson('x').catch((e: unknown) => e) as SapStatusError
    t.equal(paths.length, 1, `${status}: one call`)
    t.equal(err.sapMessage, `secret-internal-${status}`)
    const mapped = toProxyError(err) as Error & { statusCode: number, code: string }
    t.equal(mapped.statusCode, httpStatus, `${status} → ${httpStatus}`)
    t.equal(mapped.code, code)
    if (status === 404) t.equal(mapped.message, 'secret-internal-404', "404 carries SAP's message")
    if (status >= 500) t.notMatch(mapped.message, /secret-internal/, 'a 5xx never carries SAP\'s text')
  }
})

t.test('transport failures map to 502/504; a missing token stays itself', async (t) => {
  const cases: Array<[Error, string]> = [
    [Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), { code: 'ECONNREFUSED' }), 'SAP_PROXY_UPSTREAM_UNREACHABLE'],
    [Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }), 'SAP_PROXY_UPSTREAM_UNREACHABLE'],
    [Object.assign(new Error('Headers Timeout Error'), { code: 'UND_ERR_HEADERS_TIMEOUT' }), 'SAP_PROXY_UPSTREAM_TIMEOUT']
  ]
  for (const [thrown, code] of cases) {
    const { api } = fakeApi(() => thrown)
    const { sap } = client(api)
    const err = await sap.getJson('x').catch((e: unknown) => e) as Error & { code: string, statusCode: number }
    t.equal(err.code, code)
    t.notMatch(err.message, /10\.0\.0\.1/, 'no upstream address in the message')
    if (code === 'SAP_PROXY_UPSTREAM_TIMEOUT') t.equal(err.message, 'SAP did not answer within 1234 ms')
  }
  const { api } = fakeApi(() => new TokenUnavailableError('token endpoint unreachable', 4))
  const err = await client(api).sap.getJson('x').catch((e: unknown) => e)
  t.ok(err instanceof TokenUnavailableError)
})

t.test('answers that are not OData JSON are upstream errors', async (t) => {
  const { api } = fakeApi((path) => path === 'xml' ? { status: 200, body: '<feed/>' } : path === 'entity' ? { status: 200, body: { d: [] } } : { status: 200, body: { d: {} } })
  const { sap } = client(api)
  await t.rejects(sap.getJson('xml'), { code: 'SAP_PROXY_UPSTREAM_ERROR' })
  await t.rejects(sap.getEntity('entity'), { code: 'SAP_PROXY_UPSTREAM_ERROR' })
  await t.rejects(sap.getCollection('collection'), { code: 'SAP_PROXY_UPSTREAM_ERROR' })
  const { api: big } = fakeApi(() => ({ status: 200, body: 'x'.repeat(2000) }))
  await t.rejects(client(big, { maxBodyBytes: 1000 }).sap.getJson('big'), { code: 'SAP_PROXY_UPSTREAM_ERROR', message: /over 1000 bytes/ })
})

t.test('collections follow __next, absolute or relative, to the end', async (t) => {
  const pages: Record<string, unknown> = {
    IntegrationPackages: { d: { results: [{ Id: 'a' }], __next: 'https://t.example:443/api/v1/IntegrationPackages?$skiptoken=1' } },
    'IntegrationPackages?$skiptoken=1': { d: { results: [{ Id: 'b' }], __next: 'IntegrationPackages?$skiptoken=2' } },
    'IntegrationPackages?$skiptoken=2': { d: { results: [{ Id: 'c' }], __next: '?$skiptoken=3' } },
    'IntegrationPackages?$skiptoken=3': { d: [{ Id: 'd' }] }
  }
  const { api, paths } = fakeApi((path) => pages[path] ? { status: 200, body: pages[path] } : { status: 404 })
  const { sap } = client(api)
  t.same((await sap.getCollection<{ Id: string }>('IntegrationPackages')).map((p) => p.Id), ['a', 'b', 'c', 'd'])
  t.same(paths, Object.keys(pages))
})

t.test('a next link off the tenant, or one that loops, is not followed', async (t) => {
  const { api, paths } = fakeApi(() => ({ status: 200, body: { d: { results: [], __next: 'https://evil.example/api/v1/IntegrationPackages?$skiptoken=1' } } }))
  await t.rejects(client(api).sap.getCollection('IntegrationPackages'), { code: 'SAP_PROXY_UPSTREAM_ERROR', message: /outside the tenant/ })
  t.same(paths, ['IntegrationPackages'])

  const { api: looping } = fakeApi(() => ({ status: 200, body: { d: { results: [{}], __next: 'IntegrationPackages?$skiptoken=1' } } }))
  await t.rejects(client(looping).sap.getCollection('IntegrationPackages'), { message: /repeats a page/ })

  let n = 0
  const { api: endless } = fakeApi(() => ({ status: 200, body: { d: { results: [{}], __next: `IntegrationPackages?$skiptoken=${++n}` } } }))
  await t.rejects(client(endless, { maxPages: 5 }).sap.getCollection('IntegrationPackages'), { message: /more than 5 pages/ })
})

t.test('identical GETs in flight share one call', async (t) => {
  let release = (): void => {}
  const gate = new Promise<void>((resolve) => { release = resolve })
  const paths: string[] = []
  const api: ApiCaller = {
    apiUrl: 'https://t.example/api/v1',
    callApi: async (path) => { paths.push(path); await gate; return response({ status: 200, body: { d: { results: [] } } }) }
  }
  const { sap } = client(api)
  const all = [...Array.from({ length: 20 }, () => sap.getCollection('A')), sap.getCollection('B')]
  await new Promise((resolve) => setImmediate(resolve))
  release()
  await Promise.all(all)
  t.same(paths.sort(), ['A', 'B'])
})
