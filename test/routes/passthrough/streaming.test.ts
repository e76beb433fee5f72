import { createHash } from 'node:crypto'
import { Readable } from 'node:stream'
import t from 'tap'
import { request } from 'undici'
import { startProxyProcess } from '../../fixtures/proxy-process.js'
import { startSandboxProcess, type SandboxProcess } from '../../fixtures/sandbox-process.js'
import { listen } from '../../helper.js'

const MiB = 1024 * 1024
const DOWNLOAD_BYTES = 128 * MiB
const UPLOAD_BYTES = 64 * MiB

async function sha256Of (body: AsyncIterable<Uint8Array>): Promise<{ sha256: string, bytes: number }> {
  const hash = createHash('sha256')
  let bytes = 0
  for await (const chunk of body) {
    hash.update(chunk)
    bytes += chunk.length
  }
  return { sha256: hash.digest('hex'), bytes }
}

/** Deterministic bytes, generated as they are sent. */
function generated (size: number): { stream: Readable, sha256: () => string } {
  const hash = createHash('sha256')
  let sent = 0
  const stream = new Readable({
    read () {
      if (sent >= size) {
        this.push(null)
        return
      }
      const chunk = Buffer.alloc(Math.min(256 * 1024, size - sent))
      for (let i = 0; i < chunk.length; i += 4) chunk.writeUInt32LE((sent + i) >>> 0, i)
      hash.update(chunk)
      sent += chunk.length
      this.push(chunk)
    }
  })
  return { stream, sha256: () => hash.digest('hex') }
}

async function tenantToken (tenant: SandboxProcess): Promise<string> {
  const basic = Buffer.from(`${tenant.clientId}:${tenant.clientSecret}`).toString('base64')
  const response = await request(tenant.tokenUrl, { method: 'POST', body: 'grant_type=client_credentials', headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' } })
  return ((await response.body.json()) as { access_token: string }).access_token
}

async function firstFlowId (url: string): Promise<string> {
  const list = await request(`${url}/api/sap/IntegrationPackages?$format=json&$top=1`)
  const packageId = ((await list.body.json()) as { d: { results: Array<{ Id: string }> } }).d.results[0]!.Id
  const flows = await request(`${url}/api/sap/IntegrationPackages('${encodeURIComponent(packageId)}')/IntegrationDesigntimeArtifacts?$format=json`)
  return ((await flows.body.json()) as { d: { results: Array<{ Id: string }> } }).d.results[0]!.Id
}

function rssGrowthSampler (): { stop: () => number } {
  const baseline = process.memoryUsage().rss
  let peak = baseline
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss) }, 20)
  return { stop: () => { clearInterval(timer); return peak - baseline } }
}

t.test('a large $value download streams byte-exact with bounded memory', async (t) => {
  // Sandbox and proxy each run in a process of their own, so the proxy's memory is measured alone.
  const tenant = await startSandboxProcess({ artifactSize: DOWNLOAD_BYTES })
  t.teardown(() => tenant.close())
  const proxy = await startProxyProcess(tenant.settings)
  t.teardown(() => proxy.close())
  const list = await request(`${proxy.url}/api/sap/IntegrationPackages?$format=json&$top=1`)
  const packageId = ((await list.body.json()) as { d: { results: Array<{ Id: string }> } }).d.results[0]!.Id
  const target = `IntegrationPackages('${encodeURIComponent(packageId)}')/$value`

  const before = proxy.peakRss()
  const viaProxy = await request(`${proxy.url}/api/sap/${target}`)
  t.equal(viaProxy.statusCode, 200)
  t.equal(viaProxy.headers['content-length'], String(DOWNLOAD_BYTES))
  const proxied = await sha256Of(viaProxy.body)
  const growth = proxy.peakRss() - before

  const direct = await request(`${tenant.url}/api/v1/${target}`, { headers: { authorization: `Bearer ${await tenantToken(tenant)}` } })
  const original = await sha256Of(direct.body)
  t.equal(proxied.bytes, DOWNLOAD_BYTES)
  t.equal(proxied.sha256, original.sha256, 'what came out is what the tenant sent')

  for (let i = 0; i < 3; i++) await sha256Of((await request(`${proxy.url}/api/sap/${target}`)).body)
  const growthAfterFour = proxy.peakRss() - before
  // The peak is the garbage V8 lets pile up before it collects (about 30 MiB on Node 20 and 22,
  // 60 to 85 MiB on Node 24), not the body: it does not move when four times as much has passed.
  t.comment(`peak RSS growth: ${(growth / MiB).toFixed(1)} MiB after ${DOWNLOAD_BYTES / MiB} MiB, ${(growthAfterFour / MiB).toFixed(1)} MiB after ${4 * DOWNLOAD_BYTES / MiB} MiB (${process.version})`)
  t.ok(growth < DOWNLOAD_BYTES * 0.75, 'the proxy holds far less than the body')
  t.ok(growthAfterFour - growth < 32 * MiB, 'memory does not grow with the bytes streamed')
})

t.test('a large upload streams byte-exact with bounded memory', async (t) => {
  const { app, url } = await listen(t, { SAP_ALLOW_WRITES: 'true', SAP_MAX_UPLOAD_BYTES: String(UPLOAD_BYTES * 2) })
  const flowId = await firstFlowId(url)
  const upload = generated(UPLOAD_BYTES)
  const sampler = rssGrowthSampler()
  const response = await request(`${url}/api/sap/IntegrationDesigntimeArtifacts(Id='${encodeURIComponent(flowId)}',Version='active')/$value`, {
    method: 'PUT',
    body: upload.stream,
    headers: { 'content-type': 'application/zip', 'content-length': String(UPLOAD_BYTES) }
  })
  await response.body.dump()
  const growth = sampler.stop()
  t.ok(response.statusCode < 300, `status ${response.statusCode}`)
  const received = app.sandbox!.stats.uploads.at(-1)!
  t.equal(received.bytes, UPLOAD_BYTES)
  t.equal(received.sha256, upload.sha256(), 'what reached the tenant is what went in')
  t.ok(growth < 64 * MiB, `RSS grew by ${(growth / MiB).toFixed(1)} MiB for a ${UPLOAD_BYTES / MiB} MiB upload`)
})

t.test('a token expiring during a long download does not cut it; the next request uses a new token', async (t) => {
  const { app, url } = await listen(t, {}, { sandbox: { artifactSize: 8 * MiB, expiresIn: 1 } })
  const list = await request(`${url}/api/sap/IntegrationPackages?$format=json&$top=1`)
  const packageId = ((await list.body.json()) as { d: { results: Array<{ Id: string }> } }).d.results[0]!.Id
  const download = await request(`${url}/api/sap/IntegrationPackages('${encodeURIComponent(packageId)}')/$value`)
  let bytes = 0
  let paused = false
  for await (const chunk of download.body) {
    bytes += chunk.length
    if (!paused) {
      paused = true
      await new Promise((resolve) => setTimeout(resolve, 1200))
    }
  }
  t.equal(bytes, 8 * MiB, 'the whole download arrived')
  t.equal(download.statusCode, 200)
  const issued = app.sandbox!.stats.tokensIssued
  const next = await request(`${url}/api/sap/IntegrationPackages?$format=json&$top=1`)
  await next.body.dump()
  t.equal(next.statusCode, 200)
  t.ok(app.sandbox!.stats.tokensIssued > issued, 'a new token was fetched')
})
