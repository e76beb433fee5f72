import { createHash } from 'node:crypto'
import { request as httpRequest } from 'node:http'
import { Readable } from 'node:stream'
import { gunzipSync, gzipSync } from 'node:zlib'
import t, { type Test } from 'tap'
import { request } from 'undici'
import { startFakeSap, type FakeSap } from '../../fixtures/fake-sap.js'
import { rawRequest } from '../../fixtures/raw-http.js'
import { listen } from '../../helper.js'

async function fakeTenant (t: Test, settings: Record<string, string> = {}) {
  const fake = await startFakeSap()
  t.teardown(() => fake.close())
  const { app, url } = await listen(t, { ...fake.settings, ...settings })
  return { fake, app, url }
}

function chunked (size: number, chunkSize = 64 * 1024): Readable {
  let sent = 0
  return new Readable({
    read () {
      if (sent >= size) { this.push(null); return }
      const length = Math.min(chunkSize, size - sent)
      this.push(Buffer.alloc(length, sent % 251))
      sent += length
    }
  })
}

/** A SAP that asks for a CSRF token the way SAP documents it, and records the token fetches. */
function csrfDemandingSap (fake: FakeSap) {
  const state = { issued: 'sap-csrf-1', fetches: 0 }
  fake.handler = (req, res) => {
    if (req.method === 'GET' && req.url === '/api/v1/' && req.headers['x-csrf-token'] === 'Fetch') {
      state.fetches++
      state.issued = `sap-csrf-${state.fetches}`
      res.writeHead(200, { 'x-csrf-token': state.issued, 'set-cookie': [`JSESSIONID=s${state.fetches}; Path=/; HttpOnly`, '__VCAP_ID__=v1; Path=/'] }).end()
      return
    }
    const valid = req.headers['x-csrf-token'] === state.issued && req.headers.cookie === `JSESSIONID=s${state.fetches}; __VCAP_ID__=v1`
    if (req.method !== 'GET' && !valid) {
      res.writeHead(403, { 'x-csrf-token': 'Required', 'content-type': 'text/plain' }).end('CSRF token validation failed')
      return
    }
    res.writeHead(201, { 'content-type': 'application/json' }).end('{"d":{"created":true}}')
  }
  return state
}

t.test('SAP_ALLOW_WRITES=false: only GET and HEAD pass; other methods get 405 with Allow', async (t) => {
  const { fake, url } = await fakeTenant(t)
  for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'MERGE']) {
    const response = await rawRequest(url, `${method} /api/sap/IntegrationPackages('P') HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`)
    t.equal(response.status, 405, method)
    t.match(response.head, /\r\nallow: GET, HEAD\r\n/i)
    t.match(JSON.parse(response.body), { code: 'SAP_PROXY_METHOD_NOT_ALLOWED' })
  }
  const head = await request(`${url}/api/sap/IntegrationPackages`, { method: 'HEAD' })
  t.equal(head.statusCode, 200)
  t.same(fake.requests.map((r) => r.method), ['HEAD'], 'no write reached SAP')
})

t.test('with writes allowed, POST, PUT, PATCH, MERGE and DELETE pass with their bodies', async (t) => {
  const { fake, url } = await fakeTenant(t, { SAP_ALLOW_WRITES: 'true' })
  fake.handler = (req, res) => { res.writeHead(req.method === 'DELETE' ? 202 : 201).end() }
  for (const method of ['POST', 'PUT', 'PATCH', 'MERGE', 'DELETE']) {
    const body = JSON.stringify({ Id: 'P', method })
    const response = await rawRequest(url, `${method} /api/sap/IntegrationPackages('P') HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`)
    t.equal(response.status, method === 'DELETE' ? 202 : 201, method)
  }
  t.same(fake.requests.map((r) => [r.method, r.url, r.bytes, r.headers['content-type']]), ['POST', 'PUT', 'PATCH', 'MERGE', 'DELETE'].map((method) => [
    method, "/api/v1/IntegrationPackages('P')", JSON.stringify({ Id: 'P', method }).length, 'application/json'
  ]))
})

t.test('a GET with a body is refused, never forwarded with its framing lost', async (t) => {
  const { fake, url } = await fakeTenant(t)
  const response = await rawRequest(url, 'GET /api/sap/IntegrationPackages HTTP/1.1\r\nHost: x\r\nContent-Length: 43\r\nConnection: close\r\n\r\nGET /api/v1/Smuggled HTTP/1.1\r\nHost: x\r\n\r\n')
  t.equal(response.status, 400)
  t.equal(fake.requests.length, 0)
})

t.test('a declared body over SAP_MAX_UPLOAD_BYTES gets 413 before a byte reaches SAP', async (t) => {
  const { fake, url } = await fakeTenant(t, { SAP_ALLOW_WRITES: 'true', SAP_MAX_UPLOAD_BYTES: '1000' })
  const response = await request(`${url}/api/sap/IntegrationDesigntimeArtifacts`, { method: 'POST', body: Buffer.alloc(1001), headers: { 'content-type': 'application/octet-stream' } })
  t.equal(response.statusCode, 413)
  t.match(await response.body.json(), { code: 'SAP_PROXY_PAYLOAD_TOO_LARGE' })
  t.equal(fake.requests.length, 0)
})

t.test('a chunked body over the limit is cut off and the upstream request aborted', async (t) => {
  const { fake, url } = await fakeTenant(t, { SAP_ALLOW_WRITES: 'true', SAP_MAX_UPLOAD_BYTES: String(2 * 1024 * 1024) })
  fake.handler = (_req, res) => { res.writeHead(201).end() }
  const started = Date.now()
  const response = await request(`${url}/api/sap/IntegrationDesigntimeArtifacts`, { method: 'POST', body: chunked(8 * 1024 * 1024), headers: { 'content-type': 'application/octet-stream' } }).catch((err: Error) => err)
  t.ok(Date.now() - started < 10_000, 'the refused upload does not hold the connection open until a timeout')
  if (!(response instanceof Error)) {
    t.equal(response.statusCode, 413)
    await response.body.dump()
  }
  t.equal(fake.requests.length, 1)
  const { closedEarly } = await fake.requests[0]!.ended
  t.ok(closedEarly || fake.requests[0]!.bytes <= 2 * 1024 * 1024, 'SAP never got a complete over-limit body')
  t.ok(fake.requests[0]!.bytes <= 2 * 1024 * 1024 + 64 * 1024)

  fake.handler = (_req, res) => { res.writeHead(201).end() }
  const within = await request(`${url}/api/sap/IntegrationDesigntimeArtifacts`, { method: 'POST', body: chunked(1024 * 1024 + 5), headers: { 'content-type': 'application/octet-stream' } })
  await within.body.dump()
  t.equal(within.statusCode, 201, 'a chunked body within the limit streams through')
  t.equal(fake.requests[1]!.bytes, 1024 * 1024 + 5)
})

t.test('Expect: 100-continue uploads stream through byte-exact', async (t) => {
  const { fake, url } = await fakeTenant(t, { SAP_ALLOW_WRITES: 'true' })
  fake.handler = (_req, res) => { res.writeHead(200).end() }
  const body = Buffer.alloc(3 * 1024 * 1024 + 17, 7)
  const { port } = new URL(url)
  const status = await new Promise<number>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: 'PUT', path: "/api/sap/IntegrationDesigntimeArtifacts(Id='F',Version='active')/$value", headers: { expect: '100-continue', 'content-length': body.length, 'content-type': 'application/zip' } })
    req.on('continue', () => req.end(body))
    req.on('response', (res) => { res.resume(); resolve(res.statusCode ?? 0) })
    req.on('error', reject)
  })
  t.equal(status, 200)
  t.equal(fake.requests[0]!.bytes, body.length)
  t.equal(fake.requests[0]!.sha256, createHash('sha256').update(body).digest('hex'))
})

t.test('SAP_CSRF=auto: a write refused for lack of a token is replayed with a fetched one', async (t) => {
  const { fake, url } = await fakeTenant(t, { SAP_ALLOW_WRITES: 'true' })
  const sap = csrfDemandingSap(fake)
  const first = await request(`${url}/api/sap/IntegrationPackages`, { method: 'POST', body: '{"Id":"A"}', headers: { 'content-type': 'application/json' } })
  t.equal(first.statusCode, 201)
  t.same(await first.body.json(), { d: { created: true } })
  t.equal(sap.fetches, 1)
  t.same(fake.requests.map((r) => `${r.method} ${r.url}`), ['POST /api/v1/IntegrationPackages', 'GET /api/v1/', 'POST /api/v1/IntegrationPackages'])
  t.equal(fake.requests[2]!.bytes, 10, 'the replay carried the whole body')
  t.equal(first.headers['set-cookie'], undefined, 'SAP\'s session cookies stay with the proxy')
  t.equal(first.headers['x-csrf-token'], undefined, 'and so does its token')

  const second = await request(`${url}/api/sap/IntegrationPackages`, { method: 'POST', body: '{"Id":"B"}', headers: { 'content-type': 'application/json' } })
  await second.body.dump()
  t.equal(second.statusCode, 201)
  t.equal(sap.fetches, 1, 'the session is reused')
})

t.test('SAP_CSRF=auto: a streamed body is not replayed; SAP\'s 403 passes and the next write succeeds', async (t) => {
  const { fake, url } = await fakeTenant(t, { SAP_ALLOW_WRITES: 'true' })
  const sap = csrfDemandingSap(fake)
  const big = await request(`${url}/api/sap/IntegrationDesigntimeArtifacts`, { method: 'POST', body: chunked(2 * 1024 * 1024), headers: { 'content-type': 'application/octet-stream' } })
  await big.body.dump()
  t.equal(big.statusCode, 403)
  while (sap.fetches === 0) await new Promise((resolve) => setTimeout(resolve, 10))
  const retry = await request(`${url}/api/sap/IntegrationDesigntimeArtifacts`, { method: 'POST', body: chunked(2 * 1024 * 1024), headers: { 'content-type': 'application/octet-stream' } })
  await retry.body.dump()
  t.equal(retry.statusCode, 201)
})

t.test('SAP_CSRF=always fetches before the first write; SAP_CSRF=off never does', async (t) => {
  const always = await fakeTenant(t, { SAP_ALLOW_WRITES: 'true', SAP_CSRF: 'always' })
  const alwaysSap = csrfDemandingSap(always.fake)
  const created = await request(`${always.url}/api/sap/IntegrationPackages`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })
  await created.body.dump()
  t.equal(created.statusCode, 201)
  t.same(always.fake.requests.map((r) => r.method), ['GET', 'POST'])
  t.equal(alwaysSap.fetches, 1)

  const off = await fakeTenant(t, { SAP_ALLOW_WRITES: 'true', SAP_CSRF: 'off' })
  const offSap = csrfDemandingSap(off.fake)
  const refused = await request(`${off.url}/api/sap/IntegrationPackages`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })
  await refused.body.dump()
  t.equal(refused.statusCode, 403)
  t.equal(offSap.fetches, 0)
})

t.test('SAP-aware callers that fetch a CSRF token get one of the proxy\'s, and their writes pass', async (t) => {
  const { fake, url } = await fakeTenant(t, { SAP_ALLOW_WRITES: 'true' })
  fake.handler = (_req, res) => { res.writeHead(201).end() }
  const fetched = await request(`${url}/api/sap/`, { headers: { 'x-csrf-token': 'Fetch' } })
  await fetched.body.dump()
  const token = fetched.headers['x-csrf-token']
  t.type(token, 'string')
  t.not(token, 'Fetch')
  const write = await request(`${url}/api/sap/IntegrationPackages`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json', 'x-csrf-token': token as string } })
  await write.body.dump()
  t.equal(write.statusCode, 201)
  t.equal(fake.requests[1]!.headers['x-csrf-token'], undefined, 'the caller\'s token is not sent to SAP')
})

t.test('compressed JSON is rewritten and stays compressed; binary bodies pass untouched', async (t) => {
  const { fake, url } = await fakeTenant(t)
  const zipBytes = gzipSync(Buffer.from(`not json ${fake.url}/api/v1/x`))
  fake.handler = (req, res) => {
    if (req.url?.endsWith('$value')) {
      res.writeHead(200, { 'content-type': 'application/zip', 'content-length': String(zipBytes.length) }).end(zipBytes)
      return
    }
    const json = gzipSync(JSON.stringify({ d: { __metadata: { uri: `${fake.url}/api/v1/IntegrationPackages('A')` } } }))
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': String(json.length), vary: 'accept-encoding' }).end(json)
  }
  const response = await request(`${url}/api/sap/IntegrationPackages('A')`, { headers: { 'accept-encoding': 'gzip' } })
  t.equal(response.headers['content-encoding'], 'gzip')
  t.equal(fake.requests[0]!.headers['accept-encoding'], 'gzip', 'the caller\'s accept-encoding reaches SAP')
  const body = JSON.parse(gunzipSync(Buffer.from(await response.body.arrayBuffer())).toString())
  t.equal(body.d.__metadata.uri, `${url}/api/sap/IntegrationPackages('A')`)

  const binary = await request(`${url}/api/sap/IntegrationPackages('A')/$value`)
  t.same(Buffer.from(await binary.body.arrayBuffer()), zipBytes, 'a $value body is byte-identical')
})

t.test('a streamed write refused with 401 is not replayed, and the refused token is dropped', async (t) => {
  const { fake, url } = await fakeTenant(t, { SAP_ALLOW_WRITES: 'true' })
  fake.handler = (req, res) => {
    res.writeHead(req.headers.authorization === 'Bearer fake-token-1' ? 401 : 201).end()
  }
  const upload = await request(`${url}/api/sap/IntegrationDesigntimeArtifacts`, { method: 'POST', body: chunked(2 * 1024 * 1024), headers: { 'content-type': 'application/octet-stream' } })
  await upload.body.dump()
  t.equal(upload.statusCode, 401, 'SAP\'s answer, since the body cannot be sent twice')
  t.equal(fake.requests.length, 1)
  const next = await request(`${url}/api/sap/IntegrationPackages`)
  await next.body.dump()
  t.equal(next.statusCode, 201)
  t.equal(fake.requests[1]!.headers.authorization, 'Bearer fake-token-2', 'the next request carried a new token')
})
