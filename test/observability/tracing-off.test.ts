import { createRequire } from 'node:module'
import t from 'tap'
import { build } from '../helper.js'
import { TRACING_MODULES } from './tracing-modules.js'

t.test('without OTEL_EXPORTER_OTLP_ENDPOINT no tracing code is loaded and SAP gets no trace context', async (t) => {
  const app = await build(t, { SAP_MAX_RPS: '1000' })
  const before = app.sandbox!.stats.requests.length
  t.equal((await app.inject('/api/sap/IntegrationPackages?$top=1')).statusCode, 200)
  t.equal((await app.inject('/api/sap/packages')).statusCode, 200)
  const cache = Object.keys(createRequire(import.meta.url).cache)
  for (const name of TRACING_MODULES) t.notOk(cache.some((file) => file.includes(`/node_modules/${name}/`)), `${name} not loaded`)
  const calls = app.sandbox!.stats.requests.slice(before)
  t.ok(calls.length >= 2)
  t.ok(calls.every((r) => r.headers.traceparent === undefined))
})
