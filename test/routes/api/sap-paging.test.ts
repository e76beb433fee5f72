import t from 'tap'
import { build } from '../../helper.js'
import { PackageListSchema } from '../../../src/sap/models.js'
import { assertShape } from './schema-check.js'
import { apiCalls, sandboxOf } from './sap-helper.js'

t.test("lists follow the sandbox's server-side paging (1000 a page) to the end", async (t) => {
  const app = await build(t, { SAP_MAX_RPS: '1000' }, { sandbox: { packageCount: 2100 } })
  const sandbox = sandboxOf(app)
  const mark = sandbox.stats.requests.length
  const res = await app.inject('/api/sap/packages')
  t.equal(res.statusCode, 200)
  const list = res.json()
  assertShape(t, PackageListSchema, list)
  t.equal(list.count, 2100)
  t.equal(new Set(list.packages.map((p: { id: string }) => p.id)).size, 2100, 'no entry twice, none lost')
  const calls = apiCalls(sandbox, mark)
  t.equal(calls.length, 3, 'three pages')
  t.equal(calls[0], '/api/v1/IntegrationPackages')
  t.match(calls[1], /^\/api\/v1\/IntegrationPackages\?\$skiptoken=1000$/)
  t.match(calls[2], /^\/api\/v1\/IntegrationPackages\?\$skiptoken=2000$/)
})
