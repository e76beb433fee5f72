/**
 * Passthrough benchmark: the proxy against a baseline run side by side on the same machine.
 * Each case runs the same work directly against the sandbox (baseline) and through the proxy,
 * alternating A/B for several rounds, and reports the median ratio (proxy time / direct time)
 * plus the proxy's peak RSS growth. Ratios, not absolute numbers: these machines are shared.
 *
 *   npm run bench                 # full sizes: 1 GiB download, 512 MiB upload
 *   BENCH_SCALE=0.1 npm run bench # a tenth of the sizes, for a quick look
 */
import { createHash } from 'node:crypto'
import { Readable } from 'node:stream'
import { request } from 'undici'
import { startProxyProcess } from '../test/fixtures/proxy-process.js'
import { startSandboxProcess } from '../test/fixtures/sandbox-process.js'

const MiB = 1024 * 1024
const scale = Number(process.env.BENCH_SCALE ?? 1)
const DOWNLOAD_BYTES = Math.round(1024 * MiB * scale)
const UPLOAD_BYTES = Math.round(512 * MiB * scale)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const SMALL_REQUESTS = Math.round(2000 * Math.max(scale, 0.1))

interface Target { base: string, headers: Record<string, string> }

function uploadBody (size: number): Readable {
  let sent = 0
  const chunk = Buffer.alloc(256 * 1024, 0x5a)
  return new Readable({
    read () {
      if (sent >= size) { this.push(null); return }
      const part = chunk.subarray(0, Math.min(chunk.length, size - sent))
      sent += part.length
      this.push(part)
    }
  })
}

async function timed (work: () => Promise<void>): Promise<number> {
  const started = process.hrtime.bigint()
  await work()
  return Number(process.hrtime.bigint() - started) / 1e6
}

function median (values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

const tenant = await startSandboxProcess({ artifactSize: DOWNLOAD_BYTES })
const proxy = await startProxyProcess({ ...tenant.settings, SAP_ALLOW_WRITES: 'true', SAP_MAX_UPLOAD_BYTES: String(UPLOAD_BYTES * 2), RATE_LIMIT_MAX: '100000000' })
try {
  const basic = Buffer.from(`${tenant.clientId}:${tenant.clientSecret}`).toString('base64')
  const tokenResponse = await request(tenant.tokenUrl, { method: 'POST', body: 'grant_type=client_credentials', headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' } })
  const token = ((await tokenResponse.body.json()) as { access_token: string }).access_token
  const direct: Target = { base: `${tenant.url}/api/v1`, headers: { authorization: `Bearer ${token}` } }
  const proxied: Target = { base: `${proxy.url}/api/sap`, headers: {} }
  const list = await request(`${direct.base}/IntegrationPackages?$format=json&$top=1`, { headers: direct.headers })
  const packageId = ((await list.body.json()) as { d: { results: Array<{ Id: string }> } }).d.results[0]!.Id
  const flows = await request(`${direct.base}/IntegrationPackages('${encodeURIComponent(packageId)}')/IntegrationDesigntimeArtifacts?$format=json`, { headers: direct.headers })
  const flowId = ((await flows.body.json()) as { d: { results: Array<{ Id: string }> } }).d.results[0]!.Id

  const cases: Record<string, (target: Target) => Promise<void>> = {
    [`download ${(DOWNLOAD_BYTES / MiB).toFixed(0)} MiB`]: async ({ base, headers }) => {
      const response = await request(`${base}/IntegrationPackages('${encodeURIComponent(packageId)}')/$value`, { headers })
      const hash = createHash('sha256')
      for await (const chunk of response.body) hash.update(chunk)
      if (response.statusCode !== 200) throw new Error(`download answered ${response.statusCode}`)
    },
    [`upload ${(UPLOAD_BYTES / MiB).toFixed(0)} MiB`]: async ({ base, headers }) => {
      const response = await request(`${base}/IntegrationDesigntimeArtifacts(Id='${encodeURIComponent(flowId)}',Version='active')/$value`, {
        method: 'PUT',
        body: uploadBody(UPLOAD_BYTES),
        headers: { ...headers, 'content-type': 'application/zip', 'content-length': String(UPLOAD_BYTES) }
      })
      await response.body.dump()
      if (response.statusCode >= 300) throw new Error(`upload answered ${response.statusCode}`)
    },
    [`${SMALL_REQUESTS} small GETs, 16 at a time`]: async ({ base, headers }) => {
      let next = 0
      await Promise.all(Array.from({ length: 16 }, async () => {
        while (next++ < SMALL_REQUESTS) {
          const response = await request(`${base}/IntegrationPackages?$top=1&$format=json`, { headers })
          await response.body.dump()
        }
      }))
    }
  }

  console.log(`sap-is-proxy passthrough benchmark: ${ROUNDS} rounds, direct (baseline) vs through the proxy\n`)
  for (const [name, work] of Object.entries(cases)) {
    const ratios: number[] = []
    const times = { direct: [] as number[], proxy: [] as number[] }
    const rssBefore = proxy.peakRss()
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate the order so drift on a shared machine hits both sides alike.
      const order = round % 2 === 0 ? ['direct', 'proxy'] as const : ['proxy', 'direct'] as const
      const measured: Record<string, number> = {}
      for (const side of order) measured[side] = await timed(() => work(side === 'direct' ? direct : proxied))
      times.direct.push(measured.direct!)
      times.proxy.push(measured.proxy!)
      ratios.push(measured.proxy! / measured.direct!)
    }
    const rssGrowth = (proxy.peakRss() - rssBefore) / MiB
    console.log(`${name}`)
    console.log(`  direct median ${median(times.direct).toFixed(0)} ms, proxy median ${median(times.proxy).toFixed(0)} ms`)
    console.log(`  ratio proxy/direct: median ${median(ratios).toFixed(2)} (rounds: ${ratios.map((r) => r.toFixed(2)).join(', ')})`)
    console.log(`  proxy peak RSS growth: ${rssGrowth.toFixed(1)} MiB\n`)
  }
} finally {
  await proxy.close()
  await tenant.close()
}
