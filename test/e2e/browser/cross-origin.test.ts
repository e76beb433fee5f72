import { createHash } from 'node:crypto'
import { Writable } from 'node:stream'
import t from 'tap'
import type * as ClientModule from '../../../src/client/index.js'
import { launchBrowser, openPage, startFrontendServer, type Teardown } from '../../fixtures/browser.js'
import { listen } from '../../helper.js'

/**
 * A front end on another origin (a dev server on Vite's port) calls the proxy with the client, in
 * Chromium: the browser's own CORS checks decide, not a simulation of them.
 */

declare global {
  interface Window { sapProxy: typeof ClientModule }
}

const KEY = 'browser-front-end-key-0123456789'
const DOWNLOAD_BYTES = 3 * 1024 * 1024

const { browser, skip } = await launchBrowser(t)
const frontend = await startFrontendServer(t)
const logLines: Array<Record<string, unknown>> = []
const logStream = new Writable({
  write (chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString().split('\n')) if (line.trim()) logLines.push(JSON.parse(line) as Record<string, unknown>)
    done()
  }
})
const { app, url: proxyUrl } = await listen(t, {
  ALLOWED_ORIGINS: frontend.origin,
  API_KEYS: KEY,
  SAP_ALLOW_WRITES: 'true'
}, { sandbox: { artifactSize: DOWNLOAD_BYTES }, logStream, logLevel: 'info' })
const sandbox = app.sandbox!

/** The front end's page, loaded from `origin`, with the client module ready in `window.sapProxy`. */
async function frontendPage (t: Teardown, origin: string) {
  const opened = await openPage(t, browser!)
  await opened.page.goto(`${origin}/`)
  await opened.page.waitForSelector('body[data-ready="true"]')
  return opened
}

/** Proxy log lines of requests with this method, from the given mark on. */
function loggedRequests (method: string, mark: number) {
  return logLines.slice(mark).filter((line) => line.msg === 'request completed' && line.method === method)
}

t.test('an allowed origin lists packages through the proxy with the client', { skip }, async (t) => {
  t.equal(frontend.origin, `http://localhost:${frontend.port}`)
  t.comment(`front end on ${frontend.origin}${frontend.port === 5173 ? '' : ' (5173 was taken)'}, proxy on ${proxyUrl}`)
  const { page, pageErrors } = await frontendPage(t, frontend.origin)
  const mark = sandbox.stats.requests.length
  const listed = await page.evaluate(async ({ proxyUrl, key }) => {
    const client = window.sapProxy.createClient({ baseUrl: proxyUrl, apiKey: key })
    const { count, packages } = await client.packages()
    return { origin: location.origin, count, ids: packages.map((pkg) => pkg.id) }
  }, { proxyUrl, key: KEY })
  t.equal(listed.origin, frontend.origin, 'the page runs on the front end\'s origin')
  t.equal(listed.count, 25)
  t.same(listed.ids, (await app.inject({ url: '/api/sap/packages', headers: { 'x-api-key': KEY } })).json().packages.map((pkg: { id: string }) => pkg.id))
  t.ok(sandbox.stats.requests.slice(mark).some((request) => request.url.startsWith('/api/v1/IntegrationPackages')), 'the call went through to the tenant')
  t.ok(frontend.requests.includes('GET /modules/src/client/index.js'), 'the client was loaded from the front end\'s own origin')

  // Error answers are readable across origins: status, code, x-error-source and x-request-id are exposed.
  const refused = await page.evaluate(async ({ proxyUrl }) => {
    const client = window.sapProxy.createClient({ baseUrl: proxyUrl })
    try {
      await client.tokenStatus()
      return null
    } catch (err) {
      const e = err as ClientModule.SapProxyError
      return { name: e.name, status: e.status, code: e.code, source: e.source, requestId: e.requestId }
    }
  }, { proxyUrl })
  t.match(refused, { name: 'SapProxyError', status: 401, code: 'SAP_PROXY_UNAUTHENTICATED', source: 'proxy', requestId: /\S/ })
  t.same(pageErrors, [])
})

t.test('an origin not in ALLOWED_ORIGINS is blocked by the browser\'s CORS check', { skip }, async (t) => {
  const { page, consoleLines } = await frontendPage(t, frontend.otherOrigin)
  const requestsBefore = sandbox.stats.requests.length
  const logMark = logLines.length
  const outcome = await page.evaluate(async ({ proxyUrl, key }) => {
    const client = window.sapProxy.createClient({ baseUrl: proxyUrl, apiKey: key })
    try {
      await client.packages()
      return null
    } catch (err) {
      const e = err as ClientModule.SapProxyError
      return { origin: location.origin, name: e.name, status: e.status, code: e.code, source: e.source, message: e.message }
    }
  }, { proxyUrl, key: KEY })
  t.match(outcome, { origin: frontend.otherOrigin, name: 'SapProxyError', status: 0, code: 'CLIENT_NETWORK', source: 'client' })
  t.match(outcome?.message, /CORS/, 'the error names the likely cause')
  t.ok(consoleLines.some((line) => /has been blocked by CORS policy/.test(line) && line.includes(frontend.otherOrigin)), 'Chromium reports a CORS refusal')
  t.same(loggedRequests('GET', logMark), [], 'the refused preflight kept the request itself from being sent')
  t.ok(loggedRequests('OPTIONS', logMark).length >= 1, 'only the preflight reached the proxy')
  t.equal(sandbox.stats.requests.length, requestsBefore, 'nothing reached the tenant')

  // A simple request (no key, no preflight) is sent, but its answer is withheld from the page.
  const simple = await page.evaluate(async ({ proxyUrl }) => {
    try {
      await window.sapProxy.createClient({ baseUrl: proxyUrl }).health()
      return 'read'
    } catch (err) {
      return (err as ClientModule.SapProxyError).code
    }
  }, { proxyUrl })
  t.equal(simple, 'CLIENT_NETWORK', 'the page cannot read the answer')
})

t.test('a preflighted write with X-API-Key works when writes are allowed', { skip }, async (t) => {
  const { page } = await frontendPage(t, frontend.origin)
  const logMark = logLines.length
  const uploadsBefore = sandbox.stats.uploads.length
  const created = await page.evaluate(async ({ proxyUrl, key }) => {
    const client = window.sapProxy.createClient({ baseUrl: proxyUrl, apiKey: key })
    const response = await client.odata('IntegrationPackages', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ Id: 'MadeInTheBrowser', Name: 'Made in the browser', ShortText: 'A package created by a front end on another origin' })
    })
    const body = await response.json() as { d: { Id: string } }
    return { status: response.status, id: body.d.Id, location: response.headers.get('location') }
  }, { proxyUrl, key: KEY })
  t.match(created, { status: 201, id: 'MadeInTheBrowser' })
  t.match(created.location, `${proxyUrl}/api/sap/IntegrationPackages('MadeInTheBrowser')`, 'Location is exposed and points at the proxy')

  const preflights = loggedRequests('OPTIONS', logMark)
  t.equal(preflights.length, 1, 'the browser sent one preflight (X-API-Key and a JSON body are not simple)')
  t.equal(preflights[0]?.statusCode, 204)
  t.equal(loggedRequests('POST', logMark)[0]?.statusCode, 201, 'then the write itself')
  t.ok(logLines.indexOf(preflights[0]!) < logLines.indexOf(loggedRequests('POST', logMark)[0]!), 'in that order')
  const upload = sandbox.stats.uploads.slice(uploadsBefore).find((entry) => entry.method === 'POST')
  t.match(upload, { url: '/api/v1/IntegrationPackages', contentType: /^application\/json/ }, 'the tenant received the write')

  const name = await page.evaluate(async ({ proxyUrl, key }) => {
    return (await window.sapProxy.createClient({ baseUrl: proxyUrl, apiKey: key }).package('MadeInTheBrowser')).name
  }, { proxyUrl, key: KEY })
  t.equal(name, 'Made in the browser', 'the typed route sees the new package')
})

t.test('a $value download through odata() arrives byte-exact in the browser', { skip }, async (t) => {
  const { page } = await frontendPage(t, frontend.origin)
  const packageId = (await app.inject({ url: '/api/sap/packages', headers: { 'x-api-key': KEY } })).json().packages[0].id as string

  const inBrowser = await page.evaluate(async ({ proxyUrl, key, packageId }) => {
    const client = window.sapProxy.createClient({ baseUrl: proxyUrl, apiKey: key })
    const response = await client.odata(`IntegrationPackages('${encodeURIComponent(packageId)}')/$value`)
    // Read as a stream, the way a front end shows progress, then hash what arrived.
    const reader = response.body!.getReader()
    const chunks: Uint8Array[] = []
    let bytes = 0
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      chunks.push(value)
      bytes += value.byteLength
    }
    const all = new Uint8Array(bytes)
    let offset = 0
    for (const chunk of chunks) { all.set(chunk, offset); offset += chunk.byteLength }
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', all))
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      requestId: response.headers.get('x-request-id'),
      bytes,
      chunks: chunks.length,
      sha256: Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('')
    }
  }, { proxyUrl, key: KEY, packageId })

  // The same file straight from the tenant, with a token of its own.
  const token = await fetch(sandbox.tokenUrl, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${sandbox.clientId}:${sandbox.clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials'
  }).then(async (response) => (await response.json() as { access_token: string }).access_token)
  const direct = Buffer.from(await (await fetch(`${sandbox.url}/api/v1/IntegrationPackages('${encodeURIComponent(packageId)}')/$value`, { headers: { authorization: `Bearer ${token}` } })).arrayBuffer())

  t.equal(inBrowser.status, 200)
  t.equal(inBrowser.type, 'application/zip')
  t.match(inBrowser.requestId, /\S/, 'exposed headers are readable across origins')
  t.equal(inBrowser.bytes, DOWNLOAD_BYTES)
  t.equal(direct.length, DOWNLOAD_BYTES)
  t.equal(inBrowser.sha256, createHash('sha256').update(direct).digest('hex'), 'byte-exact: the hash in the page is the direct download\'s')
  t.ok(inBrowser.chunks > 1, `streamed in ${inBrowser.chunks} chunks`)
})
