import { mkdtempSync, writeFileSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import selfsigned from 'selfsigned'
import t, { type Test } from 'tap'
import { request } from 'undici'
import { startFakeSap } from '../../fixtures/fake-sap.js'
import { rawRequest } from '../../fixtures/raw-http.js'
import { listen } from '../../helper.js'

async function fakeTenant (t: Test, settings: Record<string, string> = {}, fakeOptions: Parameters<typeof startFakeSap>[0] = {}) {
  const fake = await startFakeSap(fakeOptions)
  t.teardown(() => fake.close())
  const { app, url } = await listen(t, { ...fake.settings, ...settings }, { tokenBackoffMs: { base: 50, max: 200 } })
  return { fake, app, url }
}

t.test('the upstream request carries the proxy bearer and none of the caller credentials', async (t) => {
  const { fake, url } = await fakeTenant(t)
  // Sent raw: HTTP clients refuse some of these (a Connection header listing other headers), attackers do not.
  const headers = {
    authorization: 'Bearer caller-token',
    cookie: 'session=caller',
    'proxy-authorization': 'Basic Y2FsbGVy',
    'x-csrf-token': 'caller-csrf',
    'x-forwarded-for': '203.0.113.9',
    'x-forwarded-host': 'evil.example',
    'x-forwarded-proto': 'http',
    forwarded: 'for=203.0.113.9;host=evil.example',
    'x-http-method-override': 'DELETE',
    'x-method-override': 'DELETE',
    x_forwarded_for: '203.0.113.10',
    connection: 'authorization, x-request-id, user-agent, close',
    accept: 'application/json',
    'if-none-match': 'W/"1"',
    dataserviceversion: '2.0',
    'x-request-id': 'trace-123'
  }
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`)
  const response = await rawRequest(url, `GET /api/sap/IntegrationPackages HTTP/1.1\r\nHost: proxy.example\r\n${lines.join('\r\n')}\r\n\r\n`)
  t.equal(response.status, 200)
  const received = fake.requests[0]!
  t.equal(received.headers.authorization, 'Bearer fake-token-1', 'the proxy bearer, despite Connection: authorization')
  t.equal(received.headers['x-request-id'], 'trace-123')
  t.equal(received.headers['x-correlationid'], 'trace-123')
  t.match(received.headers['user-agent'], /^sap-is-proxy\//)
  t.equal(received.headers.accept, 'application/json')
  t.equal(received.headers['if-none-match'], 'W/"1"')
  t.equal(received.headers.dataserviceversion, '2.0')
  t.equal(received.headers.host, new URL(fake.url).host)
  for (const name of ['cookie', 'proxy-authorization', 'x-csrf-token', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'forwarded', 'x-http-method-override', 'x-method-override', 'x_forwarded_for']) {
    t.equal(received.headers[name], undefined, `${name} is not forwarded`)
  }
  t.notMatch(JSON.stringify(received.headers), /caller|evil\.example|203\.0\.113/)
})

t.test('SAP response headers: cookies, CSRF token and auth challenge stay behind; content headers pass', async (t) => {
  const { fake, url } = await fakeTenant(t)
  fake.handler = (_req, res) => {
    res.writeHead(200, {
      'content-type': 'application/zip',
      'content-length': '8',
      'content-disposition': 'attachment; filename="flow.zip"',
      etag: 'W/"42"',
      dataserviceversion: '2.0',
      'set-cookie': ['JSESSIONID=sap-session; Path=/', '__VCAP_ID__=abc'],
      'x-csrf-token': 'sap-csrf-token',
      'www-authenticate': 'Bearer realm="sap"',
      'keep-alive': 'timeout=999',
      'x-powered-by': 'sap'
    }).end('zipbytes')
  }
  const response = await request(`${url}/api/sap/IntegrationPackages('P')/$value`)
  t.equal(await response.body.text(), 'zipbytes')
  t.equal(response.headers['content-type'], 'application/zip')
  t.equal(response.headers['content-disposition'], 'attachment; filename="flow.zip"')
  t.equal(response.headers.etag, 'W/"42"')
  t.equal(response.headers.dataserviceversion, '2.0')
  t.equal(response.headers['content-length'], '8')
  for (const name of ['set-cookie', 'x-csrf-token', 'www-authenticate', 'x-powered-by']) t.equal(response.headers[name], undefined, `${name} dropped`)
  t.not(response.headers['keep-alive'], 'timeout=999')
})

t.test('the query string reaches SAP byte for byte', async (t) => {
  const { fake, url } = await fakeTenant(t)
  const query = "$filter=LogStart%20gt%20datetimeoffset'2026-01-01T00:00:00+01:00'%20and%20Name%20eq%20'a+b'&%24top=5&$top=6&$select=(Id,Name)&x=%2B%27"
  const { port } = new URL(url)
  await new Promise<void>((resolve, reject) => {
    httpRequest({ host: '127.0.0.1', port, path: `/api/sap/MessageProcessingLogs?${query}` }, (res) => { res.resume(); res.on('end', resolve) }).on('error', reject).end()
  })
  t.equal(fake.requests[0]!.url, `/api/v1/MessageProcessingLogs?${query}`)
})

t.test('links to the tenant in payloads and Location point back through the mount used', async (t) => {
  const { fake, url } = await fakeTenant(t, { SAP_ALLOW_WRITES: 'true' })
  fake.handler = (req, res) => {
    if (req.method === 'POST') {
      res.writeHead(201, { location: `${fake.url}/api/v1/IntegrationPackages('New')`, 'content-type': 'application/json' }).end('{}')
      return
    }
    res.writeHead(200, { 'content-type': 'application/atom+xml;type=feed' })
    res.end(`<feed xml:base="${fake.url}/api/v1/"><entry><id>${fake.url}/api/v1/IntegrationPackages('A')</id></entry></feed>`)
  }
  for (const mount of ['/api/sap', '/api/v1']) {
    const atom = await request(`${url}${mount}/IntegrationPackages`)
    t.equal(await atom.body.text(), `<feed xml:base="${url}${mount}/"><entry><id>${url}${mount}/IntegrationPackages('A')</id></entry></feed>`)
  }
  const created = await request(`${url}/api/sap/IntegrationPackages`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })
  await created.body.dump()
  t.equal(created.statusCode, 201)
  t.equal(created.headers.location, `${url}/api/sap/IntegrationPackages('New')`)
})

t.test('an upstream redirect is passed back, never followed', async (t) => {
  const { fake, url } = await fakeTenant(t)
  fake.handler = (_req, res) => { res.writeHead(302, { location: 'https://login.example/authorize' }).end() }
  const response = await request(`${url}/api/sap/IntegrationPackages`)
  await response.body.dump()
  t.equal(response.statusCode, 302)
  t.equal(response.headers.location, 'https://login.example/authorize')
  t.equal(fake.requests.length, 1)
})

t.test('SAP answers 401: a new token and one replay; never a loop', async (t) => {
  const { fake, url } = await fakeTenant(t)
  fake.handler = (req, res) => {
    const fresh = req.headers.authorization === 'Bearer fake-token-2'
    res.writeHead(fresh ? 200 : 401, { 'content-type': 'application/json' }).end(fresh ? '{"d":{"ok":true}}' : '{"error":"revoked"}')
  }
  const replayed = await request(`${url}/api/sap/IntegrationPackages`)
  t.equal(replayed.statusCode, 200)
  t.same(await replayed.body.json(), { d: { ok: true } })
  t.same(fake.requests.map((r) => r.headers.authorization), ['Bearer fake-token-1', 'Bearer fake-token-2'])
  t.equal(fake.tokenRequests, 2)

  fake.handler = (_req, res) => { res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' }).end('{"error":"always"}') }
  const refused = await request(`${url}/api/sap/IntegrationPackages`)
  t.equal(refused.statusCode, 401, 'SAP\'s 401 reaches the caller')
  t.same(await refused.body.json(), { error: 'always' })
  t.equal(refused.headers['x-error-source'], undefined, 'it is SAP\'s error, not the proxy\'s')
  t.equal(fake.requests.length, 4, 'one replay, no loop')
})

t.test('token endpoint down: 503 with Retry-After, and recovery without a restart', async (t) => {
  const { fake, url } = await fakeTenant(t)
  fake.tokenDown = true
  const response = await request(`${url}/api/sap/IntegrationPackages`)
  const body = await response.body.json() as Record<string, unknown>
  t.equal(response.statusCode, 503)
  t.ok(Number(response.headers['retry-after']) >= 1)
  t.equal(response.headers['x-error-source'], 'proxy')
  t.equal(body.code, 'SAP_PROXY_TOKEN_UNAVAILABLE')
  t.equal(fake.requests.length, 0, 'nothing reached the API without a token')
  fake.tokenDown = false
  await new Promise((resolve) => setTimeout(resolve, 250))
  const recovered = await request(`${url}/api/sap/IntegrationPackages`)
  await recovered.body.dump()
  t.equal(recovered.statusCode, 200)
})

t.test('a slow token endpoint: callers get 503 within SAP_TOKEN_TIMEOUT_MS, all waiting on one request', async (t) => {
  const { fake, url } = await fakeTenant(t, { SAP_TOKEN_TIMEOUT_MS: '300' })
  fake.tokenStalled = true
  const started = Date.now()
  const statuses = await Promise.all(Array.from({ length: 10 }, () =>
    request(`${url}/api/sap/IntegrationPackages`).then(async (r) => { await r.body.dump(); return r.statusCode })))
  t.same(new Set(statuses), new Set([503]))
  t.ok(Date.now() - started < 2000, `answered after ${Date.now() - started} ms`)
  t.equal(fake.tokenRequests, 1, 'one token request for all waiting callers')
  t.equal(fake.requests.length, 0)
})

t.test('SAP unreachable: 502 without the internal address', async (t) => {
  const fake = await startFakeSap()
  const { url } = await listen(t, { ...fake.settings, SAP_BASE_URL: 'http://127.0.0.1:9' })
  t.teardown(() => fake.close())
  const response = await request(`${url}/api/sap/IntegrationPackages`)
  const text = await response.body.text()
  t.equal(response.statusCode, 502)
  t.match(JSON.parse(text), { code: 'SAP_PROXY_UPSTREAM_UNREACHABLE', statusCode: 502 })
  t.notMatch(text, /127\.0\.0\.1|:9\b|ECONNREFUSED|stack/)
})

t.test('SAP resets before headers: 502', async (t) => {
  const { fake, url } = await fakeTenant(t)
  fake.handler = (req) => { req.socket.destroy() }
  const response = await request(`${url}/api/sap/IntegrationPackages`)
  t.equal(response.statusCode, 502)
  t.match(await response.body.json(), { code: 'SAP_PROXY_UPSTREAM_UNREACHABLE' })
})

t.test('SAP too slow: 504 after SAP_TIMEOUT_MS', async (t) => {
  const { fake, url } = await fakeTenant(t, { SAP_TIMEOUT_MS: '300' })
  fake.handler = () => { /* never answers */ }
  const started = Date.now()
  const response = await request(`${url}/api/sap/IntegrationPackages`)
  t.equal(response.statusCode, 504)
  t.match(await response.body.json(), { code: 'SAP_PROXY_UPSTREAM_TIMEOUT' })
  t.ok(Date.now() - started < 3000)
})

t.test('a reset in the middle of a body cuts the client off: never a complete-looking answer', async (t) => {
  const { fake, url } = await fakeTenant(t)
  for (const type of ['application/zip', 'application/json']) {
    fake.handler = (req, res) => {
      res.writeHead(200, { 'content-type': type, 'content-length': '100000' })
      res.write(Buffer.alloc(30000, 'a'))
      setTimeout(() => req.socket.destroy(), 50)
    }
    const response = await request(`${url}/api/sap/IntegrationPackages('P')/$value`)
    t.equal(response.statusCode, 200)
    await t.rejects(response.body.arrayBuffer(), `${type}: the body fails instead of ending short`)
  }
})

t.test('body idle longer than SAP_BODY_TIMEOUT_MS: the stream is cut', async (t) => {
  const { fake, url } = await fakeTenant(t, { SAP_BODY_TIMEOUT_MS: '300' })
  fake.handler = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/zip', 'content-length': '1000' })
    res.write(Buffer.alloc(10))
  }
  const response = await request(`${url}/api/sap/IntegrationPackages('P')/$value`)
  await t.rejects(response.body.arrayBuffer())
})

t.test('the client going away aborts the upstream request within a second', async (t) => {
  const { fake, url } = await fakeTenant(t)
  fake.handler = () => { /* holds the request open */ }
  const controller = new AbortController()
  const pending = request(`${url}/api/sap/IntegrationPackages`, { signal: controller.signal }).catch(() => 'aborted')
  while (fake.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 10))
  controller.abort()
  t.equal(await pending, 'aborted')
  const abortedAt = Date.now()
  const { closedEarly } = await fake.requests[0]!.ended
  t.ok(closedEarly, 'the upstream saw the close')
  t.ok(Date.now() - abortedAt < 1000, 'within a second')

  fake.handler = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/zip' })
    const timer = setInterval(() => res.write(Buffer.alloc(16384)), 5)
    res.once('close', () => clearInterval(timer))
  }
  const downloading = new AbortController()
  const download = await request(`${url}/api/sap/IntegrationPackages('P')/$value`, { signal: downloading.signal })
  for await (const _chunk of download.body) { downloading.abort(); break }
  const abortedDownloadAt = Date.now()
  const second = await fake.requests[1]!.ended
  t.ok(second.closedEarly, 'a download in progress is aborted upstream too')
  t.ok(Date.now() - abortedDownloadAt < 1000)
})

t.test('upstream TLS is verified; SAP_CA_FILE trusts a private CA', async (t) => {
  const pems = await selfsigned.generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keySize: 2048,
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }]
  } as never)
  const fake = await startFakeSap({ tls: { key: pems.private, cert: pems.cert } })
  const tokens = await startFakeSap()
  t.teardown(() => Promise.all([fake.close(), tokens.close()]))
  const settings = { ...fake.settings, SAP_TOKEN_URL: tokens.tokenUrl }

  const refused = await listen(t, settings)
  const response = await request(`${refused.url}/api/sap/IntegrationPackages`)
  t.equal(response.statusCode, 502, 'a self-signed upstream is refused')
  t.match(await response.body.json(), { code: 'SAP_PROXY_UPSTREAM_UNREACHABLE' })
  t.equal(fake.requests.length, 0, 'no request was sent over the unverified connection')

  const dir = mkdtempSync(join(tmpdir(), 'sap-is-proxy-ca-'))
  writeFileSync(join(dir, 'ca.pem'), pems.cert)
  const trusted = await listen(t, { ...settings, SAP_CA_FILE: join(dir, 'ca.pem') })
  const ok = await request(`${trusted.url}/api/sap/IntegrationPackages`)
  await ok.body.dump()
  t.equal(ok.statusCode, 200)
  t.equal(fake.requests.length, 1)
})
