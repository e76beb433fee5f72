import { createHash } from 'node:crypto'
import t from 'tap'
import { ClientErrorCodes, createClient, isSapProxyError, SapProxyError } from '../../src/client/index.js'
import { startFakeSap } from '../fixtures/fake-sap.js'
import { issueToken, signingKey, startJwksServer, TEST_AUDIENCE, TEST_ISSUER } from '../fixtures/jwks-server.js'
import { listen } from '../helper.js'

const KEY = 'client-test-key-0123456789abcdef'

/** The rejection of a promise that must reject. */
async function rejection (promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (err) {
    return err
  }
  throw new Error('expected a rejection')
}

async function sapError (promise: Promise<unknown>): Promise<SapProxyError> {
  const err = await rejection(promise)
  if (!(err instanceof SapProxyError)) throw err
  return err
}

function sha256 (bytes: ArrayBuffer | Buffer): string {
  return createHash('sha256').update(Buffer.from(bytes as ArrayBuffer)).digest('hex')
}

t.test('every typed method answers what its route answers, on the sandbox', async (t) => {
  const { app, url } = await listen(t, { SAP_MAX_RPS: '500' }) // the fan-outs need not be paced here
  const client = createClient({ baseUrl: `${url}/` })
  const route = async (path: string, method: 'GET' | 'POST' = 'GET') => (await app.inject({ method, url: path })).json()

  t.equal(client.baseUrl, url, 'a trailing slash is dropped')
  t.match(await client.info(), { name: 'sap-is-proxy', status: 'running', tenant: 'sandbox', docs: '/docs' })
  t.match(await client.health(), { status: /^(healthy|degraded)$/, services: { api: 'running' } })
  t.match(await client.config(), { tenant: { label: 'sandbox', sandbox: true }, settings: { ENVIRONMENT: 'test' } })

  const packages = await client.packages()
  t.equal(packages.count, 25)
  t.same(packages, await route('/api/sap/packages'))
  const first = packages.packages[0]!
  const pkg = await client.package(first.id)
  t.same(pkg, await route(`/api/sap/packages/${first.id}`))
  t.ok(pkg.iflows.length > 0, 'the package has iFlows')

  const iflows = await client.iflows()
  t.same(iflows, await route('/api/sap/iflows'))
  const ofPackage = await client.iflows({ packageId: first.id })
  t.same(ofPackage.iflows.map((flow) => flow.id), pkg.iflows.map((flow) => flow.id), 'packageId filters')
  const flow = await client.iflow(pkg.iflows[0]!.id, { refresh: true })
  t.same(flow, await route(`/api/sap/iflows/${pkg.iflows[0]!.id}`))
  t.ok(Array.isArray(flow.configurations))

  const snapshot = await client.baseTenantData()
  t.match(snapshot, { tenant: 'sandbox', counts: { packages: 25, iflows: iflows.count } })

  const tokensBefore = app.sandbox!.stats.tokensIssued
  const refreshed = await client.refreshToken()
  t.equal(app.sandbox!.stats.tokensIssued, tokensBefore + 1, 'refreshToken obtains a new token from SAP')
  t.same(await client.tokenStatus(), refreshed)
  t.equal(refreshed.hasToken, true)

  const mark = app.sandbox!.stats.requests.length
  t.match(await client.testConnection(), { success: true, token: { ok: true }, api: { ok: true, status: 200 } })
  t.ok(app.sandbox!.stats.requests.slice(mark).some((request) => request.url === '/api/v1/IntegrationPackages?$top=1'), 'the tenant was called')
  const sandbox = app.sandbox!
  t.match(await client.testConnection({ baseUrl: sandbox.url, tokenUrl: sandbox.tokenUrl, clientId: sandbox.clientId, clientSecret: 'wrong-secret' }), { success: false, token: { ok: false } }, 'credentials in the body are tested')
})

t.test('proxy errors carry the contract\'s code, status and request id; SAP errors are told apart', async (t) => {
  const { url } = await listen(t)
  const client = createClient({ baseUrl: url, headers: { 'x-request-id': 'front-end-request-42' } })

  const missing = await sapError(client.package('com.acme.nothing'))
  t.ok(isSapProxyError(missing))
  t.match(missing, { name: 'SapProxyError', status: 404, code: 'SAP_PROXY_NOT_FOUND', source: 'proxy', fromProxy: true, fromSap: false, requestId: 'front-end-request-42' })
  t.match(missing.message, /^GET \/api\/sap\/packages\/com\.acme\.nothing: Requested entity could not be found\.$/)
  t.match(missing.body, { statusCode: 404, code: 'SAP_PROXY_NOT_FOUND' })

  const badId = await sapError(createClient({ baseUrl: url }).iflow('not an id'))
  t.match(badId, { status: 400, code: 'SAP_PROXY_BAD_REQUEST', source: 'proxy' })
  t.match(badId.requestId, /\S/, 'the proxy\'s own request id when the caller sent none')

  const sapJson = await sapError(client.odata("IntegrationPackages('com.acme.nothing')?$format=json"))
  t.match(sapJson, { status: 404, source: 'sap', fromSap: true, code: 'Not Found', requestId: 'front-end-request-42' })
  t.match(sapJson.message, /SAP answered 404: Requested entity could not be found\./)

  const sapXml = await sapError(client.odata("IntegrationPackages('com.acme.nothing')", { headers: { accept: 'application/xml' } }))
  t.match(sapXml, { status: 404, source: 'sap', code: 'Not Found' })
  t.match(sapXml.message, /Requested entity could not be found/)

  const write = await sapError(client.odata('IntegrationPackages', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"Id":"X"}' }))
  t.match(write, { status: 405, code: 'SAP_PROXY_METHOD_NOT_ALLOWED', source: 'proxy' }, 'writes refused while SAP_ALLOW_WRITES=false')

  const raw = await client.odata("IntegrationPackages('com.acme.nothing')", { throwOnError: false })
  t.equal(raw.status, 404, 'throwOnError: false hands the error answer back')
  t.equal(raw.headers.get('x-error-source'), null)
  await raw.body?.cancel()
})

t.test('odata() returns the raw response: JSON, paging links, byte-exact $value downloads', async (t) => {
  const { app, url } = await listen(t, {}, { sandbox: { artifactSize: 2 * 1024 * 1024 } })
  const client = createClient({ baseUrl: url })

  const list = await client.odata('IntegrationPackages?$top=2&$format=json&$inlinecount=allpages')
  t.equal(list.status, 200)
  const body = await list.json() as { d: { results: Array<{ Id: string }>, __count: string } }
  t.equal(body.d.results.length, 2)
  t.equal(body.d.__count, '25')
  t.equal((await client.odata('/api/v1/IntegrationPackages?$top=1&$format=json')).status, 200, 'the /api/v1 mount too')

  const page = await (await client.odata('MessageProcessingLogs?$format=json')).json() as { d: { __next: string } }
  t.match(page.d.__next, `${url}/api/sap/MessageProcessingLogs?`, 'SAP\'s next link points at the proxy')
  const next = await (await client.odata(page.d.__next)).json() as { d: { results: unknown[] } }
  t.ok(next.d.results.length > 0, 'and can be followed with odata()')
  await t.rejects(client.odata('https://evil.example/api/sap/IntegrationPackages'), TypeError, 'links to other hosts never get the credentials')

  const id = body.d.results[0]!.Id
  const download = await client.odata(`IntegrationPackages('${id}')/$value`)
  t.equal(download.headers.get('content-type'), 'application/zip')
  const viaClient = sha256(await download.arrayBuffer())

  const sandbox = app.sandbox!
  const tokenAnswer = await fetch(sandbox.tokenUrl, { method: 'POST', headers: { authorization: `Basic ${Buffer.from(`${sandbox.clientId}:${sandbox.clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' })
  const { access_token: accessToken } = await tokenAnswer.json() as { access_token: string }
  const direct = await fetch(`${sandbox.url}/api/v1/IntegrationPackages('${id}')/$value`, { headers: { authorization: `Bearer ${accessToken}` } })
  const directBytes = await direct.arrayBuffer()
  t.equal(directBytes.byteLength, 2 * 1024 * 1024)
  t.equal(viaClient, sha256(directBytes), 'byte-exact')
})

t.test('credentials are set once: an API key, or a function that returns a JWT for each request', async (t) => {
  t.throws(() => createClient({ apiKey: KEY, token: () => 'x' }), TypeError, 'one kind of credential')

  const keyed = await listen(t, { API_KEYS: KEY })
  const anonymous = await sapError(createClient({ baseUrl: keyed.url }).packages())
  t.match(anonymous, { status: 401, code: 'SAP_PROXY_UNAUTHENTICATED', source: 'proxy' })
  t.match(await sapError(createClient({ baseUrl: keyed.url, apiKey: `${KEY}-wrong` }).tokenStatus()), { status: 401, code: 'SAP_PROXY_UNAUTHENTICATED' })
  const client = createClient({ baseUrl: keyed.url, apiKey: KEY })
  t.equal((await client.packages()).count, 25)
  t.equal((await client.odata('IntegrationPackages?$top=1&$format=json')).status, 200, 'odata() sends it too')
  t.match(await client.health(), { services: { api: 'running' } }, '/health is open either way')

  const key = await signingKey('front-end-key')
  const jwks = await startJwksServer(t, [key])
  const jwtProxy = await listen(t, { AUTH_JWKS_URL: jwks.url, AUTH_ISSUER: TEST_ISSUER, AUTH_AUDIENCE: TEST_AUDIENCE })
  let calls = 0
  const withJwt = createClient({ baseUrl: jwtProxy.url, token: async () => { calls++; return issueToken(key) } })
  t.equal((await withJwt.packages()).count, 25)
  await withJwt.tokenStatus()
  t.equal(calls, 2, 'asked for a token on every request (the identity provider\'s SDK caches and renews it)')
  t.match(await sapError(createClient({ baseUrl: jwtProxy.url, token: () => null }).packages()), { status: 401 }, 'no token: no Authorization header')
})

t.test('timeouts, the caller\'s abort signal and network failures', async (t) => {
  const fake = await startFakeSap()
  t.teardown(() => fake.close())
  fake.handler = (req, res) => {
    if (req.url?.startsWith('/api/v1/Trickle')) {
      // Headers at once, the body after a pause longer than the client's timeout.
      res.writeHead(200, { 'content-type': 'application/octet-stream' })
      res.write(Buffer.alloc(1000, 1))
      setTimeout(() => res.end(Buffer.alloc(1000, 2)), 400)
    }
    // Anything else: no answer at all.
  }
  // The proxy's own timeout is longer than the client's, and short enough for the stalled calls to end before the teardown.
  const { url } = await listen(t, { ...fake.settings, SAP_TIMEOUT_MS: '1500' })
  const client = createClient({ baseUrl: url, timeoutMs: 150 })

  const started = Date.now()
  const timeout = await sapError(client.packages())
  t.match(timeout, { status: 0, code: ClientErrorCodes.TIMEOUT, source: 'client' })
  t.match(timeout.message, /^GET \/api\/sap\/packages: No answer within 150 ms$/)
  t.ok(Date.now() - started < 2000, 'the client gave up, not the proxy')
  t.match(await sapError(client.packages({ timeoutMs: 50 })), { code: ClientErrorCodes.TIMEOUT }, 'per call')
  t.match(await sapError(client.odata('Stalled')), { code: ClientErrorCodes.TIMEOUT }, 'odata() waits timeoutMs for the headers')

  const trickle = await client.odata('Trickle')
  t.equal((await trickle.arrayBuffer()).byteLength, 2000, 'but does not cut a body that is still streaming')
  const leaving = new AbortController()
  const streaming = await client.odata('Trickle', { signal: leaving.signal })
  const reading = streaming.arrayBuffer()
  leaving.abort()
  t.ok(await rejection(reading), 'the caller\'s signal still aborts a body being streamed')

  const controller = new AbortController()
  const reason = new Error('the user left the page')
  const pending = createClient({ baseUrl: url, timeoutMs: 0 }).packages({ signal: controller.signal })
  setTimeout(() => controller.abort(reason), 50)
  t.equal(await rejection(pending), reason, 'an abort rejects with the signal\'s reason, as fetch does')
  const aborted = await rejection(client.tokenStatus({ signal: AbortSignal.abort() }))
  t.equal((aborted as Error).name, 'AbortError', 'an aborted signal never sends')

  const down = await sapError(createClient({ baseUrl: 'http://127.0.0.1:1' }).packages())
  t.match(down, { status: 0, code: ClientErrorCodes.NETWORK, source: 'client', requestId: null })
  t.match(down.message, /no answer .*ALLOWED_ORIGINS/)
  t.ok(down.cause instanceof Error, 'the cause is kept')
})

t.test('an unhealthy proxy: health() still reports, other calls throw with Retry-After', async (t) => {
  const fake = await startFakeSap()
  t.teardown(() => fake.close())
  fake.tokenDown = true
  const { url } = await listen(t, fake.settings, { tokenBackoffMs: { base: 10, max: 10 } })
  const client = createClient({ baseUrl: url })
  t.match(await client.health(), { status: 'unhealthy', services: { token: 'error' } }, 'the 503 report resolves')
  const refused = await sapError(client.refreshToken())
  t.match(refused, { status: 503, code: 'SAP_PROXY_TOKEN_UNAVAILABLE', source: 'proxy' })
  t.type(refused.retryAfterSeconds, 'number')
  t.ok(refused.retryAfterSeconds! > 0)
})

t.test('a success answer that is not JSON is an error of its own', async (t) => {
  const { url } = await listen(t)
  // A real answer of the proxy, only not the one the method expects: the HTML of /status.
  const client = createClient({ baseUrl: url, fetch: (_input, init) => fetch(`${url}/status`, init) })
  const err = await sapError(client.packages())
  t.match(err, { status: 200, code: ClientErrorCodes.BAD_RESPONSE, source: 'client' })
  t.match(err.body, /^<!doctype html>/)
})
