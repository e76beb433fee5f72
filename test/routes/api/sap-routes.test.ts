import t from 'tap'
import { rawGet } from '../../fixtures/raw-http.js'
import { build, listen } from '../../helper.js'
import { IFlowDetailSchema, IFlowListSchema, PackageListSchema, PackageWithIFlowsSchema, TenantDataSchema } from '../../../src/sap/models.js'
import { ProxyErrorSchema } from '../../../src/sap/route-schemas.js'
import { assertShape } from './schema-check.js'
import { apiCalls, sandboxOf } from './sap-helper.js'

// Pacing has its own test file: here the pace is high so the fan-outs take no time.
const FAST = { SAP_MAX_RPS: '1000' }

t.test('every typed SAP route answers its declared shape, normalised', async (t) => {
  const app = await build(t, FAST, { sandbox: { packageCount: 12 } })
  const sandbox = sandboxOf(app)

  const packages = await app.inject('/api/sap/packages')
  t.equal(packages.statusCode, 200)
  const packageList = packages.json()
  assertShape(t, PackageListSchema, packageList)
  t.equal(packageList.count, 12)
  t.equal(packageList.packages.length, 12)
  t.match(packageList.packages[0], { id: 'com.acme.sales_orders', partnerContent: false, createdAt: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/ })
  t.ok(packageList.packages.some((p: { createdAt: string | null }) => p.createdAt === null), 'a null date stays null')
  t.notMatch(packages.body, /__metadata|__deferred|127\.0\.0\.1|\/Date\(/, 'no OData envelope, link or raw date leaks')

  const pkg = await app.inject('/api/sap/packages/com.acme.sales_orders')
  t.equal(pkg.statusCode, 200)
  const packageWithIFlows = pkg.json()
  assertShape(t, PackageWithIFlowsSchema, packageWithIFlows)
  t.ok(packageWithIFlows.iflows.length > 0)
  t.ok(packageWithIFlows.iflows.every((iflow: { packageId: string }) => iflow.packageId === 'com.acme.sales_orders'))
  t.ok(packageWithIFlows.iflows.some((iflow: { runtime: unknown }) => iflow.runtime !== null), 'runtime joined')
  t.ok(packageWithIFlows.iflows.some((iflow: { runtime: unknown }) => iflow.runtime === null), 'undeployed ones have null')

  const all = await app.inject('/api/sap/iflows')
  t.equal(all.statusCode, 200)
  const iflowList = all.json()
  assertShape(t, IFlowListSchema, iflowList)
  t.equal(iflowList.count, iflowList.iflows.length)
  t.equal(new Set(iflowList.iflows.map((iflow: { packageId: string }) => iflow.packageId)).size, 12, 'a fan-out over every package')
  const drafts = iflowList.iflows.filter((iflow: { isDraft: boolean }) => iflow.isDraft)
  t.ok(drafts.length > 0, 'drafts (Version "Active") are flagged')
  t.ok(drafts.every((iflow: { version: string }) => iflow.version === 'Active'))
  t.ok(iflowList.iflows.some((iflow: { runtime: { status: string } | null }) => iflow.runtime?.status === 'ERROR'), 'runtime status as SAP has it')

  const ofPackage = await app.inject('/api/sap/iflows?packageId=com.acme.sales_orders')
  t.equal(ofPackage.statusCode, 200)
  assertShape(t, IFlowListSchema, ofPackage.json())
  t.same(ofPackage.json().iflows, packageWithIFlows.iflows, 'the same iFlows as the package view')

  const deployed = iflowList.iflows.find((iflow: { runtime: unknown }) => iflow.runtime !== null)
  const one = await app.inject(`/api/sap/iflows/${deployed.id}`)
  t.equal(one.statusCode, 200)
  const detail = one.json()
  assertShape(t, IFlowDetailSchema, detail)
  t.same(detail.runtime, deployed.runtime)
  t.ok(detail.configurations.length > 0)
  t.match(detail.configurations[0], { key: String, dataType: /^(xsd|custom):/ })
  const before = sandbox.stats.requests.length
  const draft = await app.inject(`/api/sap/iflows/${drafts[0].id}`)
  t.equal(draft.statusCode, 200)
  assertShape(t, IFlowDetailSchema, draft.json())
  t.same(apiCalls(sandbox, before).sort(), [
    `/api/v1/IntegrationDesigntimeArtifacts(Id='${drafts[0].id}',Version='active')`,
    `/api/v1/IntegrationDesigntimeArtifacts(Id='${drafts[0].id}',Version='active')/Configurations`,
    `/api/v1/IntegrationRuntimeArtifacts('${drafts[0].id}')`
  ].sort(), 'key lookups use Version=\'active\'')

  const snapshot = await app.inject('/api/sap/base-tenant-data')
  t.equal(snapshot.statusCode, 200)
  const data = snapshot.json()
  assertShape(t, TenantDataSchema, data)
  t.equal(data.tenant, 'sandbox')
  t.equal(data.counts.packages, 12)
  t.equal(data.counts.iflows, iflowList.count)
  t.equal(data.counts.deployed, iflowList.iflows.filter((iflow: { runtime: unknown }) => iflow.runtime !== null).length)
  t.ok(Date.now() - Date.parse(data.fetchedAt) < 60_000)
})

t.test("SAP's 404 becomes 404 with SAP's message, in the contract's shape", async (t) => {
  const app = await build(t, FAST, { sandbox: { packageCount: 3 } })
  for (const url of ['/api/sap/packages/com.acme.nothing', '/api/sap/iflows/com.acme.nothing', '/api/sap/iflows?packageId=com.acme.nothing']) {
    const res = await app.inject(url)
    t.equal(res.statusCode, 404, url)
    t.equal(res.headers['x-error-source'], 'proxy')
    assertShape(t, ProxyErrorSchema, res.json())
    t.match(res.json(), { statusCode: 404, error: 'Not Found', code: 'SAP_PROXY_NOT_FOUND', message: 'Requested entity could not be found.', requestId: String })
  }
})

t.test('hostile ids get 400 and nothing reaches SAP', async (t) => {
  // Over real HTTP, target bytes as sent: inject would normalise `%2e%2e` before the router sees it.
  const { app, url: base } = await listen(t, FAST, { sandbox: { packageCount: 3 } })
  const sandbox = sandboxOf(app)
  await app.inject('/api/sap/packages') // the token is fetched, so only API calls could follow
  const before = sandbox.stats.requests.length
  const hostile = [
    // A raw `/` makes another path, which is the passthrough's (its own tests cover that); encoded, it is an id here.
    "a'b", "P')", 'P%27)', "P'),IntegrationPackages('Q", 'P%27%29%2FIntegrationDesigntimeArtifacts', 'P%2F..%2F..%2Foauth%2Ftoken',
    '%2e%2e', '%2E%2E', '..', '.', 'P%3F%24top%3D1', 'P%3F%24filter%3DId', 'P%23x', "P,Version='1'", 'P%2CVersion%3D%271%27',
    'P(x)', 'P%20x', 'P%00', 'P%0d%0aX-Injected:%201', 'P%5C..', '%25%32%37', 'P%2527', '%C3%A4', 'x'.repeat(201)
  ]
  for (const id of hostile) {
    for (const target of [`/api/sap/packages/${id}`, `/api/sap/iflows/${id}`, `/api/sap/iflows?packageId=${id}`]) {
      const res = await rawGet(base, target)
      t.equal(res.status, 400, `${target} → 400`)
      t.match(res.body, /"code":"SAP_PROXY_BAD_REQUEST"/)
    }
  }
  t.same(apiCalls(sandbox, before), [], 'the sandbox received no request at all')
})

t.test('answers carry a weak ETag; If-None-Match gets 304 without a body', async (t) => {
  const app = await build(t, FAST, { sandbox: { packageCount: 3 } })
  for (const url of ['/api/sap/packages', '/api/sap/packages/com.acme.sales_orders', '/api/sap/iflows', '/api/sap/iflows/com.acme.sales_orders.sync', '/api/sap/base-tenant-data']) {
    const first = await app.inject(url)
    const etag = first.headers.etag as string
    t.match(etag, /^W\/"[\w-]+"$/, `${url} has an ETag`)
    t.equal(first.headers['cache-control'], 'private, no-cache')
    const again = await app.inject({ url, headers: { 'if-none-match': etag } })
    t.equal(again.statusCode, 304, `${url} → 304`)
    t.equal(again.body, '')
    t.equal(again.headers.etag, etag)
    const other = await app.inject({ url, headers: { 'if-none-match': 'W/"something-else"' } })
    t.equal(other.statusCode, 200)
    t.equal(other.headers.etag, etag, 'the same content gives the same ETag (for the snapshot: whatever fetchedAt says)')
  }
})

t.test('SAP_CACHE_TTL_MS serves typed GETs again without asking SAP; ?refresh=true asks', async (t) => {
  const app = await build(t, { ...FAST, SAP_CACHE_TTL_MS: '60000' }, { sandbox: { packageCount: 4 } })
  const sandbox = sandboxOf(app)
  const first = await app.inject('/api/sap/base-tenant-data')
  const mark = sandbox.stats.requests.length
  const cached = await app.inject('/api/sap/base-tenant-data')
  t.equal(cached.body, first.body, 'the same answer, fetchedAt included')
  t.same(apiCalls(sandbox, mark), [], 'no call to SAP')
  const refreshed = await app.inject('/api/sap/base-tenant-data?refresh=true')
  t.equal(refreshed.statusCode, 200)
  t.equal(apiCalls(sandbox, mark).length, 2 + 4, 'refresh=true fetched again: packages, runtime, one call per package')
  t.not(refreshed.json().fetchedAt, first.json().fetchedAt)
  t.equal(refreshed.headers.etag, first.headers.etag, 'unchanged content keeps its ETag')
  const bad = await app.inject('/api/sap/packages?refresh=maybe')
  t.equal(bad.statusCode, 400)
})

t.test('50 concurrent base-tenant-data requests cause the upstream calls of one', async (t) => {
  const app = await build(t, FAST, { sandbox: { packageCount: 10 } })
  const sandbox = sandboxOf(app)
  await app.inject('/api/sap/token-status') // nothing upstream; the token comes with the first call
  let mark = sandbox.stats.requests.length
  const single = await app.inject('/api/sap/base-tenant-data')
  const one = apiCalls(sandbox, mark)
  t.equal(one.length, 2 + 10)

  mark = sandbox.stats.requests.length
  const answers = await Promise.all(Array.from({ length: 50 }, () => app.inject('/api/sap/base-tenant-data')))
  t.ok(answers.every((res) => res.statusCode === 200))
  t.equal(new Set(answers.map((res) => res.body)).size, 1, 'all 50 got the one answer')
  t.same(apiCalls(sandbox, mark).sort(), [...one].sort(), 'exactly the calls of a single request')
  t.equal(answers[0]?.json().counts.iflows, single.json().counts.iflows)
  t.equal(app.sapCatalog.store.inFlight, 0, 'nothing left in flight')
})

t.test('different typed views in flight share the SAP calls they have in common', async (t) => {
  const app = await build(t, FAST, { sandbox: { packageCount: 6 } })
  const sandbox = sandboxOf(app)
  await app.inject('/api/sap/packages')
  const mark = sandbox.stats.requests.length
  const answers = await Promise.all([app.inject('/api/sap/base-tenant-data'), app.inject('/api/sap/iflows'), app.inject('/api/sap/packages')])
  t.ok(answers.every((res) => res.statusCode === 200))
  const calls = apiCalls(sandbox, mark)
  t.equal(calls.length, new Set(calls).size, 'no SAP call was made twice')
})
