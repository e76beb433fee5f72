import { createHash } from 'node:crypto'
import { crc32 } from 'node:zlib'
import t from 'tap'
import { getGlobalDispatcher } from 'undici'
import { call, client, fetchToken, sha256, start } from './helper.js'

const FLOW = "/api/v1/IntegrationDesigntimeArtifacts(Id='com.acme.sales_orders.replicate',Version='active')/$value"

/** Reads the central directory and checks every entry's CRC: the zip is a real one. */
function checkZip (zip: Buffer): Array<{ name: string, size: number }> {
  const end = zip.length - 22
  if (zip.readUInt32LE(end) !== 0x06054b50) throw new Error('no end of central directory')
  const count = zip.readUInt16LE(end + 10)
  let p = zip.readUInt32LE(end + 16)
  const entries: Array<{ name: string, size: number }> = []
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(p) !== 0x02014b50) throw new Error('bad central header')
    const crc = zip.readUInt32LE(p + 16)
    const size = zip.readUInt32LE(p + 24)
    const nameLength = zip.readUInt16LE(p + 28)
    const offset = zip.readUInt32LE(p + 42)
    const name = zip.subarray(p + 46, p + 46 + nameLength).toString()
    const dataStart = offset + 30 + zip.readUInt16LE(offset + 26) + zip.readUInt16LE(offset + 28)
    if (crc32(zip.subarray(dataStart, dataStart + size)) !== crc) throw new Error(`bad crc for ${name}`)
    entries.push({ name, size })
    p += 46 + nameLength
  }
  return entries
}

t.test('an iFlow $value is a valid zip of artifactSize bytes with a stable hash', async t => {
  const sandbox = await start(t)
  const api = await client(sandbox)
  const res = await api(FLOW)
  t.equal(res.status, 200)
  t.equal(res.headers['content-type'], 'application/zip')
  t.equal(res.headers['content-length'], '4096')
  t.equal(res.body.length, 4096)
  const names = checkZip(res.body).map(e => e.name)
  t.ok(names.includes('META-INF/MANIFEST.MF'))
  t.ok(names.includes('src/main/resources/scenarioflows/integrationflow/com.acme.sales_orders.replicate.iflw'))
  t.equal(sha256((await api(FLOW)).body), sha256(res.body), 'the same bytes twice')
  const other = await start(t)
  t.equal(sha256((await (await client(other))(FLOW)).body), sha256(res.body), 'and on another instance')
  const released = "/api/v1/IntegrationDesigntimeArtifacts(Id='com.acme.sales_orders.replicate',Version='1.0.10')/$value"
  t.equal(sha256((await api(released)).body), sha256(res.body), 'the real version string gives the same zip')
  const head = await call(sandbox, FLOW, { method: 'HEAD', token: await fetchToken(sandbox) })
  t.equal(head.headers['content-length'], '4096')
  t.equal(head.body.length, 0)
})

t.test('a large $value is streamed with its Content-Length', async t => {
  const size = 48 * 1024 * 1024
  const sandbox = await start(t, { artifactSize: size })
  const token = await fetchToken(sandbox)
  const res = await getGlobalDispatcher().request({ origin: sandbox.url, method: 'GET', path: FLOW, headers: { authorization: `Bearer ${token}` } })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-length'], String(size))
  const hash = createHash('sha256')
  let bytes = 0
  let chunks = 0
  for await (const chunk of res.body) {
    hash.update(chunk as Buffer)
    bytes += (chunk as Buffer).length
    chunks++
  }
  t.equal(bytes, size)
  t.ok(chunks > 10, 'arrives in many chunks')
  const again = await getGlobalDispatcher().request({ origin: sandbox.url, method: 'GET', path: FLOW, headers: { authorization: `Bearer ${token}` } })
  const second = createHash('sha256')
  for await (const chunk of again.body) second.update(chunk as Buffer)
  t.equal(second.digest('hex'), hash.digest('hex'), 'deterministic')
  sandbox.options.artifactSize = 10_000
  const small = await (await client(sandbox))(FLOW)
  t.equal(small.body.length, 10_000, 'artifactSize is read at request time')
})

t.test('a package $value is a zip, unless the package holds drafts', async t => {
  const sandbox = await start(t)
  const api = await client(sandbox)
  const ok = await api("/api/v1/IntegrationPackages('com.acme.sales_orders')/$value")
  t.equal(ok.status, 200)
  t.equal(ok.body.length, 4096)
  checkZip(ok.body)
  const drafts = await api("/api/v1/IntegrationPackages('org.example.employee_master')/$value")
  t.equal(drafts.status, 500)
  t.match(drafts.json().error.message.value, /^Package export failed\. It contains the following artifacts are in draft state: \[ \{Type=IFlow, Name=/)
})
