import { createRequire } from 'node:module'
import { SpanKind, SpanStatusCode } from '@opentelemetry/api'
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base'
import t from 'tap'
import { startTracing } from '../../src/observability/tracing.js'
import { startFakeSap } from '../fixtures/fake-sap.js'
import { build } from '../helper.js'
import { logLines } from './prometheus.js'
import { TRACING_MODULES } from './tracing-modules.js'

// Tracing is process-wide (a global tracer provider, diagnostics-channel subscribers): this file
// runs in a process of its own, as tap runs every file, and starts it before any app exists.
const exporter = new InMemorySpanExporter()
const tracing = startTracing({ exporter, serviceName: 'sap-is-proxy-under-test' })
t.teardown(() => tracing.shutdown())

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/

function parentOf (span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId
}

/** True when `span` descends from `ancestor` through its parents. */
function descendsFrom (span: ReadableSpan, ancestor: ReadableSpan, spans: ReadableSpan[]): boolean {
  const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]))
  for (let current: ReadableSpan | undefined = span; current; current = byId.get(parentOf(current) ?? '')) {
    if (parentOf(current) === ancestor.spanContext().spanId) return true
  }
  return false
}

function requestSpan (spans: ReadableSpan[], requestId: string): ReadableSpan {
  const span = spans.find((s) => s.attributes['sap_proxy.request_id'] === requestId)
  if (!span) throw new Error(`no span for request ${requestId}: ${spans.map((s) => s.name).join(', ')}`)
  return span
}

t.test('the tracing modules are loaded here (the check of tracing-off.test.ts means something)', async (t) => {
  const cache = Object.keys(createRequire(import.meta.url).cache)
  for (const name of TRACING_MODULES) t.ok(cache.some((file) => file.includes(`/node_modules/${name}/`)), name)
})

t.test('a passthrough call: a span for the request, one for the call to SAP, the trace context at SAP', async (t) => {
  const log = logLines()
  const app = await build(t, {}, { logStream: log.stream, logLevel: 'info' })
  await app.tenant.tokens.get()
  exporter.reset()
  const before = app.sandbox!.stats.requests.length
  const response = await app.inject({ url: '/api/sap/IntegrationPackages?$top=1', headers: { 'x-request-id': 'traced-1' } })
  t.equal(response.statusCode, 200)
  await tracing.forceFlush()
  const spans = exporter.getFinishedSpans()

  const server = requestSpan(spans, 'traced-1')
  t.equal(server.name, 'GET /api/sap/*')
  t.equal(server.kind, SpanKind.SERVER)
  t.equal(server.attributes['http.route'], '/api/sap/*')
  t.equal(server.attributes['http.response.status_code'], 200)
  t.equal(server.resource.attributes['service.name'], 'sap-is-proxy-under-test')

  const client = spans.find((s) => s.kind === SpanKind.CLIENT && String(s.attributes['url.full']).includes('/api/v1/IntegrationPackages'))
  t.ok(client, 'a client span for the call to SAP')
  t.equal(client!.spanContext().traceId, server.spanContext().traceId, 'in the request\'s trace')
  t.ok(descendsFrom(client!, server, spans), 'under the request span')
  t.equal(client!.attributes['http.response.status_code'], 200)

  const received = app.sandbox!.stats.requests.slice(before).find((r) => r.url.startsWith('/api/v1/IntegrationPackages'))
  const traceparent = TRACEPARENT.exec(String(received?.headers.traceparent))
  t.ok(traceparent, `SAP received a traceparent: ${received?.headers.traceparent}`)
  t.equal(traceparent?.[1], server.spanContext().traceId, 'with the request\'s trace id')
  t.equal(traceparent?.[2], client!.spanContext().spanId, 'and the client span as parent')
  t.equal(received?.headers['x-request-id'], 'traced-1', 'next to the request id')

  // The built-in sandbox is a Fastify app too: its span continues the same trace.
  const atSap = spans.find((s) => s.kind === SpanKind.SERVER && parentOf(s) === client!.spanContext().spanId)
  t.ok(atSap, 'the tenant\'s side joined the trace')

  const line = log.lines.find((l) => l.requestId === 'traced-1' && l.msg === 'request completed')
  t.equal(line?.traceId, server.spanContext().traceId, 'the request\'s log line names its trace')
})

t.test('a typed route: every call to SAP of its fan-out is in the request\'s trace', async (t) => {
  const app = await build(t, { SAP_MAX_RPS: '1000' })
  await app.tenant.tokens.get()
  exporter.reset()
  const before = app.sandbox!.stats.requests.length
  t.equal((await app.inject({ url: '/api/sap/iflows', headers: { 'x-request-id': 'traced-2' } })).statusCode, 200)
  await tracing.forceFlush()
  const spans = exporter.getFinishedSpans()
  const server = requestSpan(spans, 'traced-2')
  t.equal(server.name, 'GET /api/sap/iflows')
  const clients = spans.filter((s) => s.kind === SpanKind.CLIENT)
  const calls = app.sandbox!.stats.requests.slice(before)
  t.ok(calls.length > 1)
  t.equal(clients.length, calls.length, 'one client span per call')
  t.ok(clients.every((s) => descendsFrom(s, server, spans)))
  const traceIds = new Set(calls.map((r) => TRACEPARENT.exec(String(r.headers.traceparent))?.[1]))
  t.same(traceIds, new Set([server.spanContext().traceId]), 'each call carried the trace context')
})

t.test('a caller\'s traceparent is continued; a failed call marks its span', async (t) => {
  const fake = await startFakeSap()
  t.teardown(() => fake.close())
  const app = await build(t, fake.settings)
  await app.tenant.tokens.get()
  exporter.reset()
  const incoming = `00-${'4bf92f3577b34da6a3ce929d0e0e4736'}-${'00f067aa0ba902b7'}-01`
  t.equal((await app.inject({ url: '/api/sap/IntegrationPackages', headers: { traceparent: incoming, 'x-request-id': 'traced-3' } })).statusCode, 200)
  await fake.close()
  t.equal((await app.inject({ url: '/api/sap/IntegrationPackages', headers: { 'x-request-id': 'traced-4' } })).statusCode, 502)
  await tracing.forceFlush()
  const spans = exporter.getFinishedSpans()

  const continued = requestSpan(spans, 'traced-3')
  t.equal(continued.spanContext().traceId, '4bf92f3577b34da6a3ce929d0e0e4736')
  t.equal(parentOf(continued), '00f067aa0ba902b7')
  t.equal(TRACEPARENT.exec(String(fake.requests[0]?.headers.traceparent))?.[1], '4bf92f3577b34da6a3ce929d0e0e4736', 'passed on to SAP')
  t.same(Object.keys(fake.requests[0]!.headers).filter((name) => name.startsWith('trace')).sort(), ['traceparent'], 'only the trace context is added')

  const failed = requestSpan(spans, 'traced-4')
  t.equal(failed.status.code, SpanStatusCode.ERROR)
  t.equal(failed.attributes['http.response.status_code'], 502)
  const failedCall = spans.find((s) => s.kind === SpanKind.CLIENT && s.spanContext().traceId === failed.spanContext().traceId)
  t.equal(failedCall?.status.code, SpanStatusCode.ERROR, 'the call to SAP that got no answer')
})

t.test('probes and scrapes are not traced', async (t) => {
  const app = await build(t)
  exporter.reset()
  for (const url of ['/metrics', '/health/live', '/health/ready', '/metrics?x=1']) await app.inject(url)
  await tracing.forceFlush()
  t.same(exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.SERVER && s.name.startsWith('GET /')).map((s) => s.name), [])
})
