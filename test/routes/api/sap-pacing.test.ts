import t from 'tap'
import { build } from '../../helper.js'
import { TenantDataSchema } from '../../../src/sap/models.js'
import { assertShape } from './schema-check.js'
import { peakInWindow, recordArrivals, sandboxOf } from './sap-helper.js'

t.test('with SAP-like pacing and 60 packages, base-tenant-data completes under SAP_MAX_RPS and no 429 occurs', async (t) => {
  const app = await build(t, { SAP_MAX_RPS: '10' }, { sandbox: { packageCount: 60, pacing: true } })
  const arrivals = recordArrivals(sandboxOf(app))
  const res = await app.inject('/api/sap/base-tenant-data')
  t.equal(res.statusCode, 200)
  assertShape(t, TenantDataSchema, res.json())
  t.equal(res.json().counts.packages, 60)
  t.equal(arrivals.length, 62, 'packages, runtime artifacts, one call per package')
  const peak = peakInWindow(arrivals.map((arrival) => arrival.at))
  // Starts are 100 ms apart; arrival jitter on loopback may put an 11th inside a window's edge.
  t.ok(peak <= 11, `at most SAP_MAX_RPS (+1 for jitter) in any second at the sandbox: ${peak}`)
  t.equal(app.sap.stats.throttled, 0, 'SAP never answered 429')
  t.equal(app.sap.stats.retries, 0)
})

t.test('paced too fast for SAP, the 429s are retried and never reach the caller', async (t) => {
  // SAP_MAX_RPS above SAP's 15/s: the sandbox refuses some calls, the client backs off and holds the pace.
  const app = await build(t, { SAP_MAX_RPS: '40' }, { sandbox: { packageCount: 24, pacing: true } })
  const res = await app.inject('/api/sap/base-tenant-data')
  t.equal(res.statusCode, 200)
  t.equal(res.json().counts.packages, 24)
  t.ok(app.sap.stats.throttled > 0, `SAP answered 429 ${app.sap.stats.throttled} times`)
  t.equal(app.sap.stats.retries, app.sap.stats.throttled, 'each was retried')
  t.ok(res.json().packages.every((pkg: { iflows: unknown[] }) => pkg.iflows.length > 0), 'every package has its iFlows: nothing was dropped')
})
