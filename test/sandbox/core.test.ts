import { crc32 } from 'node:zlib'
import t from 'tap'
import { consumeBody } from '../../src/sandbox/body.js'
import { compileFilter, compileOrderBy } from '../../src/sandbox/filter.js'
import { entityType } from '../../src/sandbox/model.js'
import { TokenRegistry } from '../../src/sandbox/oauth.js'
import { SlidingWindow } from '../../src/sandbox/pacing.js'
import { generateSeed } from '../../src/sandbox/seed.js'
import { parseKeyPredicate, parseLiteral, parseUri } from '../../src/sandbox/uri.js'
import { zipArchive } from '../../src/sandbox/zip.js'
import { sha256 } from './helper.js'

/** The Fastify-free cores, without a server and with injected clocks. */

async function * chunked (text: string, size: number): AsyncGenerator<Buffer> {
  const buffer = Buffer.from(text)
  for (let i = 0; i < buffer.length; i += size) yield buffer.subarray(i, i + size)
}

t.test('the seed is deterministic and has the promised shape', async t => {
  const a = generateSeed({ packageCount: 25, messageLogCount: 2500 })
  const b = generateSeed({ packageCount: 25, messageLogCount: 2500 })
  t.equal(sha256(JSON.stringify(a)), sha256(JSON.stringify(b)), 'same options, same data')
  t.equal(a.packages.length, 25)
  t.ok(a.artifacts.length >= 120 && a.artifacts.length <= 180, `about 150 iFlows (${a.artifacts.length})`)
  t.equal(a.logs.length, 2500)
  t.equal(new Set(a.artifacts.map(x => x.Id)).size, a.artifacts.length, 'unique iFlow ids')
  t.equal(new Set(a.logs.map(x => x.MessageGuid)).size, a.logs.length, 'unique message guids')
  t.ok(a.artifacts.every(x => /^[A-Za-z0-9._]+$/.test(x.Id)), 'ids: letters, digits, dots, underscores')
  t.ok(a.packages.some(p => p.Id === 'com.acme.sales_orders'))
  const drafts = new Set(a.artifacts.filter(x => x.Version === 'Active').map(x => x.PackageId))
  t.same([...drafts], a.packages.filter((_, i) => i % 5 === 2).map(p => p.Id), 'drafts only in every 5th package')
  t.ok(a.runtime.some(r => r.Status === 'ERROR') && a.runtime.some(r => r.Status === 'STARTED'))
  t.ok(a.packages.some(p => p.CreationDate === null) && a.artifacts.some(x => x.CreatedAt === null), 'some null dates')
  const small = generateSeed({ packageCount: 2, messageLogCount: 10 })
  t.equal(small.packages.length, 2)
  t.equal(small.logs.length, 10)
  t.same(generateSeed({ packageCount: 0, messageLogCount: 10 }), { packages: [], artifacts: [], runtime: [], logs: [] })
})

t.test('key predicates and literals', async t => {
  t.same(parseKeyPredicate("'O''Brien'"), [{ literal: { kind: 'string', value: "O'Brien" } }])
  t.same(parseKeyPredicate("Id='a,b',Version='active'").map(p => [p.name, p.literal]), [['Id', { kind: 'string', value: 'a,b' }], ['Version', { kind: 'string', value: 'active' }]])
  t.throws(() => parseKeyPredicate("Id='a',"), { status: 400, message: "Invalid key predicate: 'Id='a','." })
  t.throws(() => parseKeyPredicate("'a','b'"), { message: "Invalid key predicate: ''a','b''." })
  t.throws(() => parseLiteral('abc'), { status: 400, message: "Unknown literal: 'abc'." })
  t.throws(() => parseLiteral("'it's'"), { message: "Unknown literal: ''it's''." })
  t.match(parseLiteral("datetime'2025-01-02T03:04:05'"), { kind: 'datetime', value: Date.UTC(2025, 0, 2, 3, 4, 5) })
  t.match(parseLiteral('42'), { kind: 'number', value: 42 })
  const parsed = parseUri("/api/v1/A('x%2Fy')/B?$filter=Name%20eq%20'a+b'&$top=1", '/api/v1')
  t.same(parsed.segments.map(s => s.name), ['A', 'B'])
  t.equal(parsed.segments[0]?.key?.[0]?.literal.kind === 'string' && parsed.segments[0].key[0].literal.value, 'x/y', 'an encoded slash stays in its key')
  t.same(parsed.query.map(q => [q.raw, q.name, q.value]), [["$filter=Name%20eq%20'a+b'", '$filter', "Name eq 'a+b'"], ['$top=1', '$top', '1']], '+ is not a space')
  t.throws(() => parseUri('/api/v1/A%zz', '/api/v1'), { name: 'ODataError', status: 400 })
})

t.test('$filter and $orderby', async t => {
  const type = entityType('MessageProcessingLog')
  const rows = [
    { MessageGuid: 'a', Status: 'FAILED', LogStart: 10, IntegrationArtifact: { Id: 'x' } },
    { MessageGuid: 'b', Status: 'COMPLETED', LogStart: 30, IntegrationArtifact: { Id: 'y' } },
    { MessageGuid: "c'd", Status: 'COMPLETED', LogStart: 20, IntegrationArtifact: { Id: 'x' } }
  ]
  const ids = (filter: string): string[] => rows.filter(compileFilter(filter, type)).map(r => r.MessageGuid)
  t.same(ids("Status eq 'COMPLETED'"), ['b', "c'd"])
  t.same(ids("Status eq 'COMPLETED' and LogStart lt 25"), ["c'd"])
  t.same(ids("(Status eq 'FAILED' or LogStart ge 30) and not (MessageGuid eq 'b')"), ['a'])
  t.same(ids("MessageGuid eq 'c''d'"), ["c'd"])
  t.same(ids("IntegrationArtifact/Id eq 'x'"), ['a', "c'd"])
  t.same(ids("startswith(Status,'COMP') eq true"), ['b', "c'd"])
  t.same(ids("substringof('AIL',Status)"), ['a'])
  t.same(ids("tolower(Status) eq 'failed'"), ['a'])
  t.throws(() => ids("Nope eq 'x'"), { name: 'ODataError', status: 400 })
  t.throws(() => ids("Status eq 'x' garbage"), { name: 'ODataError', status: 400 })
  t.same([...rows].sort(compileOrderBy('LogStart desc', type)).map(r => r.MessageGuid), ['b', "c'd", 'a'])
  t.same([...rows].sort(compileOrderBy('Status,LogStart desc', type)).map(r => r.MessageGuid), ['b', "c'd", 'a'])
  t.throws(() => compileOrderBy('Nope', type), { name: 'ODataError', status: 400 })
})

t.test('bodies are hashed as streamed; JSON keeps its small fields whatever the chunking', async t => {
  const content = Buffer.alloc(200_000)
  for (let i = 0; i < content.length; i++) content[i] = (i * 7) % 251
  const base64 = content.toString('base64').replace(/\//g, '\\/')
  const text = `{ "Name" : "N\\"ame", "Nested": {"ArtifactContent": "not this"}, "ArtifactContent" :"${base64}", "Id": "x.y", "n": [1, {"a": "b"}] }`
  for (const size of [1, 3, 7, 64, 65_536, text.length]) {
    const digest = await consumeBody(chunked(text, size), true)
    t.equal(digest.bytes, Buffer.byteLength(text), `size with chunks of ${size}`)
    t.equal(digest.sha256, sha256(text))
    t.same(digest.artifactContent, { bytes: content.length, sha256: sha256(content) }, `decoded content with chunks of ${size}`)
    t.match(digest.json, { Name: 'N"ame', Id: 'x.y', Nested: { ArtifactContent: 'not this' }, n: [1, { a: 'b' }] })
    t.ok(((digest.json as { ArtifactContent: string }).ArtifactContent).length <= 64 * 1024, 'long strings are cut')
  }
  const binary = await consumeBody(chunked('not json at all', 4), false)
  t.same(binary, { bytes: 15, sha256: sha256('not json at all') })
  await t.rejects(consumeBody(chunked('{"a": ', 2), true), { name: 'ODataError', status: 400 })
})

t.test('zip archives have exactly the asked size and valid CRCs', async t => {
  for (const target of [4096, 100_000, 1_000_003]) {
    const zip = zipArchive({ entries: [{ name: 'a.txt', data: Buffer.from('hello') }], fillerName: 'f.bin', seed: 7, targetSize: target, date: new Date(Date.UTC(2025, 0, 1)) })
    const parts: Buffer[] = []
    for await (const chunk of zip.stream()) parts.push(chunk as Buffer)
    const bytes = Buffer.concat(parts)
    t.equal(zip.size, target)
    t.equal(bytes.length, target)
    const fillerStart = 30 + 5 + 5 + 30 + 5
    const fillerSize = target - fillerStart - 46 * 2 - 5 - 5 - 22
    t.equal(bytes.readUInt32LE(30 + 5 + 5 + 14), crc32(bytes.subarray(fillerStart, fillerStart + fillerSize)), 'filler crc')
    t.equal(bytes.readUInt32LE(bytes.length - 22), 0x06054b50)
  }
  const tiny = zipArchive({ entries: [{ name: 'a.txt', data: Buffer.from('hello') }], fillerName: 'f.bin', seed: 7, targetSize: 10, date: new Date(0) })
  t.equal(tiny.size, 30 + 5 + 5 + 30 + 5 + 46 * 2 + 10 + 22, 'below the minimum: the smallest archive')
})

t.test('token registry: expiry by the clock, revocation', async t => {
  let now = 1_000_000
  const tokens = new TokenRegistry(() => now)
  const { token } = tokens.issue('client', 10, 'http://x')
  t.ok(tokens.verify(token))
  now += 9_999
  t.ok(tokens.verify(token))
  now += 1
  t.notOk(tokens.verify(token), 'expired at expires_in')
  const second = tokens.issue('client', 10, 'http://x').token
  tokens.revokeAll()
  t.notOk(tokens.verify(second))
  const payload = JSON.parse(Buffer.from(second.split('.')[1] ?? '', 'base64url').toString()) as { client_id: string, exp: number }
  t.equal(payload.client_id, 'client')
  t.equal(payload.exp, Math.floor(now / 1000) + 10)
})

t.test('the pacing window slides over one second and ignores rejected requests', async t => {
  let now = 0
  const window = new SlidingWindow(() => now)
  for (let i = 0; i < 15; i++) t.ok(window.admit('designtime'))
  t.notOk(window.admit('designtime'))
  t.ok(window.admit('runtime'), 'areas are separate')
  now = 999
  t.notOk(window.admit('designtime'))
  now = 1000
  t.ok(window.admit('designtime'), 'a second later')
})
