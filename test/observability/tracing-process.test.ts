import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { request } from 'undici'
import { startProxyProcess } from '../fixtures/proxy-process.js'

interface OtlpSpan { traceId: string, spanId: string, parentSpanId?: string, name: string, kind: number }
interface OtlpExport {
  resourceSpans: Array<{
    resource: { attributes: Array<{ key: string, value: { stringValue?: string } }> }
    scopeSpans: Array<{ spans: OtlpSpan[] }>
  }>
}

/** A local OTLP/HTTP collector on a free port that keeps what it receives. */
async function startCollector () {
  const exports: Array<{ path: string, contentType: string, body: OtlpExport }> = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      exports.push({ path: req.url ?? '', contentType: String(req.headers['content-type']), body: JSON.parse(Buffer.concat(chunks).toString('utf8')) })
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const spans = () => exports.flatMap((e) => e.body.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans.map((span) => ({ ...span, resource: r.resource })))))
  return { url, exports, spans, close: () => new Promise<void>((resolve) => server.close(() => resolve())) }
}

t.test('with OTEL_EXPORTER_OTLP_ENDPOINT the server sends its traces to the collector, flushing them on SIGTERM', async (t) => {
  const collector = await startCollector()
  t.teardown(() => collector.close())
  const proxy = await startProxyProcess({
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
    OTEL_SERVICE_NAME: 'proxy-under-test',
    OTEL_BSP_SCHEDULE_DELAY: '60000' // nothing is sent on a timer during the test: only the shutdown flush
  })
  t.teardown(() => proxy.close())

  const traceId = '0af7651916cd43dd8448eb211c80319c'
  const response = await request(`${proxy.url}/api/sap/IntegrationPackages?$top=1`, { headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01` } })
  await response.body.dump()
  t.equal(response.statusCode, 200)
  await sleep(200)
  t.equal(collector.exports.length, 0, 'still buffered')

  proxy.child.kill('SIGTERM')
  t.equal(await proxy.exited, 0)
  const spans = collector.spans().filter((s) => s.traceId === traceId)
  t.equal(collector.exports[0]?.path, '/v1/traces')
  t.match(collector.exports[0]?.contentType, /application\/json/)
  const server = spans.find((s) => s.name === 'GET /api/sap/*')
  t.ok(server, `the request's span: ${spans.map((s) => s.name).join(', ')}`)
  t.equal(server?.parentSpanId, 'b7ad6b7169203331', 'continuing the caller\'s trace')
  t.ok(spans.some((s) => s.kind === 3 && s.parentSpanId !== undefined), 'a client span for the call to SAP')
  t.ok(server?.resource.attributes.some((a) => a.key === 'service.name' && a.value.stringValue === 'proxy-under-test'))
})

t.test('a malformed OTEL_EXPORTER_OTLP_ENDPOINT stops the start with one line naming it', async (t) => {
  const proxy = startProxyProcess({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })
  await t.rejects(proxy, /Invalid setting OTEL_EXPORTER_OTLP_ENDPOINT: must be an http\(s\) url/)
})
