import t from 'tap'
import { Value } from '@sinclair/typebox/value'
import { HealthSchema } from '../../routes/health.js'
import { RootSchema } from '../../routes/root.js'
import { build } from '../helper.js'

t.test('GET / names the product, its version and the tenant', async (t) => {
  const app = await build(t)
  const response = await app.inject('/')
  t.equal(response.statusCode, 200)
  const body = response.json()
  t.ok(Value.Check(RootSchema, body))
  t.match(body, { name: 'sap-is-proxy', status: 'running', tenant: 'sandbox', docs: '/docs' })
})

t.test('GET /health is healthy against the sandbox, and its probe is cached', async (t) => {
  const app = await build(t, {}, { health: { probeTtlMs: 60_000 } })
  const sandbox = app.sandbox!
  const first = await app.inject('/health')
  t.equal(first.statusCode, 200)
  const body = first.json()
  t.ok(Value.Check(HealthSchema, body), 'matches its schema')
  t.match(body, { status: 'healthy', services: { api: 'running', sap_connection: 'healthy', token: 'valid' } })
  t.ok(Date.parse(body.timestamp) > 0)
  const probes = sandbox.stats.requests.filter((r) => r.url.startsWith('/api/v1/')).length
  await Promise.all(Array.from({ length: 20 }, () => app.inject('/health')))
  t.equal(sandbox.stats.requests.filter((r) => r.url.startsWith('/api/v1/')).length, probes, 'polling does not reach the tenant again')
})

t.test('/health: degraded while a refresh fails with a valid token, unhealthy without one, then recovers', async (t) => {
  const app = await build(t, {}, { health: { probeTtlMs: 0 }, tokenBackoffMs: { base: 20, max: 40 }, sandbox: { expiresIn: 2 } })
  const sandbox = app.sandbox!
  t.equal((await app.inject('/health')).json().status, 'healthy')

  sandbox.setTokenEndpointDown(true)
  await new Promise((resolve) => setTimeout(resolve, 1100)) // past half the 2 s lifetime: refresh due
  await app.inject('/health') // starts the background refresh, which fails
  await new Promise((resolve) => setTimeout(resolve, 50))
  const degraded = await app.inject('/health')
  t.equal(degraded.statusCode, 200)
  t.match(degraded.json(), { status: 'degraded', services: { token: 'valid' } })

  await new Promise((resolve) => setTimeout(resolve, 1000)) // the token has expired
  const unhealthy = await app.inject('/health')
  t.equal(unhealthy.statusCode, 503)
  t.match(unhealthy.json(), { status: 'unhealthy', services: { token: 'error' } })
  const ready = await app.inject('/health/ready')
  t.equal(ready.statusCode, 503)
  t.equal((await app.inject('/health/live')).statusCode, 200, 'still live')

  sandbox.setTokenEndpointDown(false)
  await new Promise((resolve) => setTimeout(resolve, 60))
  const recovered = await app.inject('/health')
  t.equal(recovered.statusCode, 200)
  t.match(recovered.json(), { status: 'healthy', services: { token: 'valid', sap_connection: 'healthy' } })
  t.equal((await app.inject('/health/ready')).statusCode, 200)
})

t.test('/health is degraded when the last SAP call failed', async (t) => {
  const app = await build(t, {}, { health: { probeTtlMs: 60_000 } })
  t.equal((await app.inject('/health')).json().status, 'healthy')
  app.tenant.recordCall(502) // as the passthrough does after an SAP 5xx
  const degraded = await app.inject('/health')
  t.equal(degraded.statusCode, 200)
  t.match(degraded.json(), { status: 'degraded', services: { sap_connection: 'unhealthy', token: 'valid' } })
})
