import { spawnSync } from 'node:child_process'
import { connect } from 'node:net'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { request } from 'undici'
import { startFakeSap } from '../fixtures/fake-sap.js'
import { startProxyProcess } from '../fixtures/proxy-process.js'

const server = fileURLToPath(new URL('../../src/server.ts', import.meta.url))

function startWith (env: Record<string, string>) {
  return spawnSync(process.execPath, ['--import', 'tsx', server], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', ...env },
    encoding: 'utf8',
    timeout: 20_000
  })
}

t.test('with nothing configured it serves the sandbox and says how to use a real tenant', async (t) => {
  const proxy = await startProxyProcess({ ENVIRONMENT: 'development' })
  t.teardown(() => proxy.close())
  const health = await request(`${proxy.url}/health`)
  t.equal(health.statusCode, 200)
  t.match(await health.body.json(), { status: 'healthy' })
  const line = proxy.output.find((l) => l.includes('sap-is-proxy on'))
  t.match(line, /built-in sandbox tenant/)
  t.match(line, /SAP_BASE_URL, SAP_TOKEN_URL, SAP_CLIENT_ID and SAP_CLIENT_SECRET/)
})

t.test('a malformed setting stops the start with one line naming it, never the secret', async (t) => {
  const secret = 'super$ecret=value'
  const result = startWith({ SAP_BASE_URL: 'not-a-url', SAP_TOKEN_URL: 'https://x.example/oauth/token', SAP_CLIENT_ID: 'sb-x!b1|it!b2', SAP_CLIENT_SECRET: secret })
  t.equal(result.status, 1)
  t.equal(result.stderr.trim(), 'sap-is-proxy: Invalid setting SAP_BASE_URL: must be an http(s) url')
  t.notOk(`${result.stdout}${result.stderr}`.includes(secret))

  const production = startWith({ ENVIRONMENT: 'production' })
  t.equal(production.status, 1)
  t.match(production.stderr.trim(), /^sap-is-proxy: Invalid setting SAP_BASE_URL: a tenant is required in production/)
  t.equal(production.stderr.trim().split('\n').length, 1, 'one line')
})

t.test('SIGTERM: new requests are refused, a stream in flight finishes, the process exits 0', async (t) => {
  const fake = await startFakeSap()
  t.teardown(() => fake.close())
  const total = 40 * 16384
  fake.handler = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/zip', 'content-length': String(total) })
    let sent = 0
    const timer = setInterval(() => {
      res.write(Buffer.alloc(16384, 1))
      sent += 16384
      if (sent >= total) { clearInterval(timer); res.end() }
    }, 25)
  }
  const proxy = await startProxyProcess(fake.settings)
  t.teardown(() => proxy.close())
  const download = await request(`${proxy.url}/api/sap/IntegrationPackages('P')/$value`)
  t.equal(download.statusCode, 200)
  // A connection that never sent a request (as browsers and pools open ahead) must not hold the exit.
  const { port } = new URL(proxy.url)
  const spare = connect(Number(port), '127.0.0.1')
  spare.on('error', () => {})
  await new Promise((resolve) => spare.once('connect', resolve))
  const signalledAt = Date.now()
  proxy.child.kill('SIGTERM')
  await new Promise((resolve) => setTimeout(resolve, 100))
  const late = await request(`${proxy.url}/health/ready`).then(async (r) => { await r.body.dump(); return r.statusCode }, () => 'refused')
  t.ok(late === 503 || late === 'refused', `a new request after SIGTERM: ${late}`)
  let bytes = 0
  for await (const chunk of download.body) bytes += chunk.length
  t.equal(bytes, total, 'the download in flight completed')
  t.equal(await proxy.exited, 0)
  t.ok(Date.now() - signalledAt < 10_000, 'exited once the stream was done, not at a timeout')
  spare.destroy()
})
