import t from 'tap'
import { call, client, fetchToken, start } from './helper.js'

type Json = any // eslint-disable-line @typescript-eslint/no-explicit-any

t.test('reads', async t => {
  const sandbox = await start(t)
  const api = await client(sandbox)
  const root = `${sandbox.url}/api/v1/`

  t.test('JSON collections have d.results and absolute __metadata urls', async t => {
    const res = await api('/api/v1/IntegrationPackages')
    t.equal(res.status, 200)
    t.match(res.headers['content-type'], /^application\/json/)
    const { d } = res.json()
    t.equal(d.results.length, 25)
    t.notOk('__count' in d, 'no __count without $inlinecount')
    t.notOk('__next' in d)
    const pkg = d.results.find((p: Json) => p.Id === 'com.acme.sales_orders')
    const uri = `${root}IntegrationPackages('com.acme.sales_orders')`
    t.same(pkg.__metadata, {
      id: uri, uri, type: 'com.sap.hci.api.IntegrationPackage', content_type: 'application/zip', media_src: `${uri}/$value`, edit_media: `${uri}/$value`
    })
    t.same(pkg.IntegrationDesigntimeArtifacts, { __deferred: { uri: `${uri}/IntegrationDesigntimeArtifacts` } })
    t.match(pkg.Description, /<b>/, 'descriptions carry HTML')
    t.ok(d.results.some((p: Json) => p.CreationDate === null), 'some dates are null')
    for (const p of d.results) {
      if (p.CreationDate !== null) t.match(p.CreationDate, /^\d{13}$/, 'CreationDate is epoch ms as a string')
    }
  })

  t.test('$format=json and Accept choose JSON; Atom is the default', async t => {
    const atom = await call(sandbox, '/api/v1/IntegrationPackages?$top=2', { token: await fetchToken(sandbox) })
    t.equal(atom.status, 200)
    t.match(atom.headers['content-type'], /^application\/atom\+xml;type=feed/)
    t.match(atom.text, /^<\?xml version="1.0" encoding="utf-8"\?><feed xmlns="http:\/\/www.w3.org\/2005\/Atom"/)
    t.equal(atom.text.match(/<entry>/g)?.length, 2)
    t.match(atom.text, /<content type="application\/zip" src="IntegrationPackages\('[^']+'\)\/\$value"\/><m:properties><d:Id>/)
    t.match(atom.text, /<d:PartnerContent m:type="Edm.Boolean">false<\/d:PartnerContent>/)
    const format = await call(sandbox, '/api/v1/IntegrationPackages?$top=2&$format=json', { token: await fetchToken(sandbox) })
    t.match(format.headers['content-type'], /^application\/json/)
    t.equal(format.json().d.results.length, 2)
    const entry = await call(sandbox, "/api/v1/IntegrationPackages('com.acme.sales_orders')", { token: await fetchToken(sandbox) })
    t.match(entry.headers['content-type'], /^application\/atom\+xml;type=entry/)
    t.match(entry.text, /<entry xmlns=/)
  })

  t.test('single entities are {d: {...}}', async t => {
    const res = await api("/api/v1/IntegrationPackages('com.acme.sales_orders')")
    t.equal(res.status, 200)
    t.match(res.json(), { d: { Id: 'com.acme.sales_orders', __metadata: { type: 'com.sap.hci.api.IntegrationPackage' } } })
  })

  t.test('paging over MessageProcessingLogs follows __next to the end', async t => {
    let next: string | undefined = '/api/v1/MessageProcessingLogs?$inlinecount=allpages'
    const guids = new Set<string>()
    const sizes: number[] = []
    while (next !== undefined) {
      const res = await api(next)
      t.equal(res.status, 200)
      const { d } = res.json()
      t.equal(d.__count, '2500', '__count is a string')
      sizes.push(d.results.length)
      for (const log of d.results) guids.add(log.MessageGuid)
      if (d.__next !== undefined) {
        t.ok(d.__next.startsWith(root), '__next is absolute')
        t.match(d.__next, /\$skiptoken=\d+/)
        t.match(d.__next, /\$inlinecount=allpages/, 'other options are kept')
      }
      next = d.__next === undefined ? undefined : d.__next.slice(sandbox.url.length)
    }
    t.same(sizes, [1000, 1000, 500])
    t.equal(guids.size, 2500, 'every log once')
    const log = (await api('/api/v1/MessageProcessingLogs?$top=1')).json().d.results[0]
    t.match(log.LogStart, /^\/Date\(\d+\)\/$/)
    t.match(log.IntegrationArtifact, { Id: String, Type: 'INTEGRATION_FLOW' })
  })

  t.test('$top and $skip combine with server paging', async t => {
    const res = await api('/api/v1/MessageProcessingLogs?$skip=100&$top=1500')
    const { d } = res.json()
    t.equal(d.results.length, 1000)
    const rest = (await api(d.__next.slice(sandbox.url.length))).json().d
    t.equal(rest.results.length, 500)
    t.notOk(rest.__next)
    const all = (await api('/api/v1/MessageProcessingLogs?$top=1600&$select=MessageGuid')).json().d.results
    const second = (await api('/api/v1/MessageProcessingLogs?$skip=100&$top=1&$select=MessageGuid')).json().d.results
    t.equal(second[0].MessageGuid, (all as Json[])[100].MessageGuid)
    const small = (await api('/api/v1/IntegrationPackages?$top=3&$skip=1&$inlinecount=allpages')).json().d
    t.equal(small.results.length, 3)
    t.equal(small.__count, '25', 'the count ignores $top/$skip')
  })

  t.test('$count answers a plain number', async t => {
    const res = await api('/api/v1/MessageProcessingLogs/$count')
    t.equal(res.status, 200)
    t.match(res.headers['content-type'], /^text\/plain/)
    t.equal(res.text, '2500')
    t.equal((await api('/api/v1/IntegrationPackages/$count')).text, '25')
    const failed = Number((await api("/api/v1/MessageProcessingLogs/$count?$filter=Status%20eq%20'FAILED'")).text)
    t.ok(failed > 0 && failed < 2500)
    const listed = (await api("/api/v1/MessageProcessingLogs?$filter=Status%20eq%20'FAILED'&$inlinecount=allpages&$top=1")).json().d.__count
    t.equal(listed, String(failed))
  })

  t.test('$filter, $select and $orderby', async t => {
    const readOnly = (await api("/api/v1/IntegrationPackages?$filter=Mode%20eq%20'READ_ONLY'")).json().d.results
    t.ok(readOnly.length > 0)
    t.ok(readOnly.every((p: Json) => p.Mode === 'READ_ONLY'))
    const errors = (await api("/api/v1/IntegrationRuntimeArtifacts?$filter=Status%20eq%20'ERROR'%20or%20Status%20eq%20'STARTING'")).json().d.results
    t.ok(errors.some((r: Json) => r.Status === 'ERROR'), 'some runtime artifacts are in ERROR')
    const selected = (await api('/api/v1/IntegrationPackages?$top=1&$select=Id,Name')).json().d.results[0]
    t.same(Object.keys(selected), ['__metadata', 'Id', 'Name'])
    const ordered = (await api('/api/v1/MessageProcessingLogs?$top=50&$orderby=LogStart%20desc&$select=LogStart')).json().d.results
    const starts = ordered.map((l: Json) => Number(/\d+/.exec(l.LogStart)?.[0]))
    t.same(starts, [...starts].sort((a, b) => b - a))
    const after = (await api("/api/v1/MessageProcessingLogs/$count?$filter=LogStart%20gt%20datetime'2025-06-01T00:00:00'")).text
    t.ok(Number(after) > 0 && Number(after) < 2500, 'datetime literals compare')
    const substring = (await api("/api/v1/IntegrationPackages?$filter=substringof('sales',Id)")).json().d.results
    t.ok(substring.length > 0 && substring.every((p: Json) => p.Id.includes('sales')))
    t.equal((await api('/api/v1/IntegrationPackages?$filter=Nope%20eq%201')).status, 400)
    t.equal((await api('/api/v1/IntegrationPackages?$select=Nope')).status, 400)
    t.equal((await api('/api/v1/IntegrationPackages?$top=x')).status, 400)
    t.equal((await api('/api/v1/IntegrationPackages?$bogus=1')).status, 400)
    t.equal((await api('/api/v1/IntegrationPackages?Author=Fred')).status, 200, 'custom options are ignored')
  })

  t.test('iFlows of a package, by key in either version spelling, and their configurations', async t => {
    const pkg = 'org.example.employee_master' // index 2: holds drafts
    const flows = (await api(`/api/v1/IntegrationPackages('${pkg}')/IntegrationDesigntimeArtifacts`)).json().d.results
    t.ok(flows.length >= 3)
    const draft = flows.find((f: Json) => f.Version === 'Active')
    const released = flows.find((f: Json) => f.Version !== 'Active')
    t.ok(draft, 'drafts list as Version "Active"')
    t.ok(released)
    t.equal(released.ArtifactContent, null)
    for (const version of ['active', 'Active', released.Version]) {
      const res = await api(`/api/v1/IntegrationDesigntimeArtifacts(Id='${released.Id as string}',Version='${version as string}')`)
      t.equal(res.status, 200, version)
      t.equal(res.json().d.Id, released.Id)
    }
    t.equal((await api(`/api/v1/IntegrationDesigntimeArtifacts(Id='${released.Id as string}',Version='9.9.9')`)).status, 404, 'another version is not found')
    t.equal((await api(`/api/v1/IntegrationDesigntimeArtifacts(Id='${draft.Id as string}',Version='active')`)).json().d.Version, 'Active')
    const nested = await api(`/api/v1/IntegrationPackages('${pkg}')/IntegrationDesigntimeArtifacts(Id='${released.Id as string}',Version='active')`)
    t.equal(nested.status, 200)
    const withConfig = flows.find((f: Json) => f.Id !== undefined)
    const configs = await api(`/api/v1/IntegrationDesigntimeArtifacts(Id='${withConfig.Id as string}',Version='active')/Configurations`)
    t.equal(configs.status, 200)
    for (const c of configs.json().d.results) t.match(c, { ParameterKey: String, ParameterValue: String, DataType: /^(xsd|custom):/ })
    const created = (x: Json): boolean => x.CreatedAt === null || /^\d{13}$/.test(x.CreatedAt)
    t.ok(flows.every(created), 'CreatedAt is epoch ms as a string, or null')
    t.ok(flows.some((f: Json) => f.Id.includes('.') && f.Id.includes('_')), 'ids with dots and underscores')
  })

  t.test('there is no GET on the IntegrationDesigntimeArtifacts collection', async t => {
    const res = await api('/api/v1/IntegrationDesigntimeArtifacts')
    t.equal(res.status, 501)
    t.same(res.json(), { error: { code: 'Not Implemented', message: { lang: 'en', value: 'Not implemented.' } } })
  })

  t.test('runtime artifacts', async t => {
    const list = (await api('/api/v1/IntegrationRuntimeArtifacts')).json().d.results
    t.ok(list.length > 40)
    const started = list.find((r: Json) => r.Status === 'STARTED')
    t.match(started.DeployedOn, /^\/Date\(\d+\)\/$/)
    const one = await api(`/api/v1/IntegrationRuntimeArtifacts('${started.Id as string}')`)
    t.equal(one.json().d.Id, started.Id)
    const failed = list.find((r: Json) => r.Status === 'ERROR')
    const info = await api(`/api/v1/IntegrationRuntimeArtifacts('${failed.Id as string}')/ErrorInformation/$value`)
    t.equal(info.status, 200)
    t.match(info.json(), { message: { messageId: String } })
    t.equal((await api(`/api/v1/IntegrationRuntimeArtifacts('${started.Id as string}')/ErrorInformation/$value`)).status, 404)
  })

  t.test('errors have SAP\'s shape', async t => {
    const missing = await api("/api/v1/IntegrationPackages('nope')")
    t.equal(missing.status, 404)
    t.same(missing.json(), { error: { code: 'Not Found', message: { lang: 'en', value: 'Requested entity could not be found.' } } })
    const xml = await call(sandbox, "/api/v1/IntegrationPackages('nope')", { token: await fetchToken(sandbox) })
    t.equal(xml.status, 404)
    t.match(xml.headers['content-type'], /^application\/xml/)
    t.match(xml.text, /<error xmlns="http:\/\/schemas.microsoft.com\/ado\/2007\/08\/dataservices\/metadata"><code>Not Found<\/code><message xml:lang="en">Requested entity could not be found.<\/message><\/error>/)
    const badKey = await api("/api/v1/IntegrationDesigntimeArtifacts(Id='x',Nope='y')")
    t.equal(badKey.status, 400)
    t.same(badKey.json().error, { code: 'Bad Request', message: { lang: 'en', value: "Invalid key predicate: 'Id='x',Nope='y''." } })
    t.equal((await api("/api/v1/IntegrationPackages(Id='a',Version='b')")).json().error.message.value, "Invalid key predicate: 'Id='a',Version='b''.")
    const literal = await api('/api/v1/IntegrationPackages(abc)')
    t.equal(literal.status, 400)
    t.equal(literal.json().error.message.value, "Unknown literal: 'abc'.")
    const segment = await api("/api/v1/IntegrationPackages('com.acme.sales_orders')/Nope")
    t.equal(segment.status, 404)
    t.equal(segment.json().error.code, 'Not Found')
    t.equal((await api('/api/v1/NoSuchSet')).status, 404)
    t.equal((await api('/api/v1/MessageProcessingLogs/$count/more')).status, 404)
  })

  t.test('string keys: doubled quotes and percent-encoding', async t => {
    const created = await api('/api/v1/IntegrationPackages', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ Id: "O'Brien/Co", Name: 'Quoted' })
    })
    t.equal(created.status, 201)
    const uri = created.json().d.__metadata.uri
    t.equal(uri, `${root}IntegrationPackages('O''Brien%2FCo')`)
    for (const path of ["/api/v1/IntegrationPackages('O''Brien%2FCo')", '/api/v1/IntegrationPackages(%27O%27%27Brien%2FCo%27)']) {
      const res = await api(path)
      t.equal(res.status, 200, path)
      t.equal(res.json().d.Id, "O'Brien/Co")
    }
    t.equal((await api("/api/v1/IntegrationPackages('O'Brien%2FCo')")).status, 400, 'a single quote inside is not a literal')
    t.equal((await api("/api/v1/IntegrationPackages?$filter=Id%20eq%20'O''Brien/Co'")).json().d.results.length, 1, 'quotes in $filter literals')
  })

  t.test('service document and $metadata', async t => {
    const doc = (await api('/api/v1/')).json()
    t.ok(doc.d.EntitySets.includes('IntegrationPackages'))
    const xml = await call(sandbox, '/api/v1/', { token: await fetchToken(sandbox) })
    t.match(xml.text, /<collection href="MessageProcessingLogs">/)
    const metadata = await api('/api/v1/$metadata')
    t.equal(metadata.status, 200)
    t.match(metadata.headers['content-type'], /^application\/xml/)
    for (const name of ['IntegrationPackage', 'IntegrationDesigntimeArtifact', 'IntegrationRuntimeArtifact', 'MessageProcessingLog', 'Configuration', 'BuildAndDeployStatus']) {
      t.match(metadata.text, new RegExp(`<EntityType Name="${name}"`), name)
    }
    t.match(metadata.text, /<EntityType Name="IntegrationPackage" m:HasStream="true"><Key><PropertyRef Name="Id"\/><\/Key>/)
    t.match(metadata.text, /<FunctionImport Name="DeployIntegrationDesigntimeArtifact" ReturnType="Edm.String" m:HttpMethod="POST">/)
    t.match(metadata.text, /<EntitySet Name="MessageProcessingLogs" EntityType="com.sap.hci.api.MessageProcessingLog"\/>/)
  })

  t.test('links use the Host the caller addressed, with an explicit port as SAP writes them', async t => {
    const res = await api("/api/v1/IntegrationPackages('com.acme.sales_orders')", { headers: { host: 'tenant.example' } })
    t.equal(res.json().d.__metadata.uri, "http://tenant.example:80/api/v1/IntegrationPackages('com.acme.sales_orders')")
    const absolute = await api(`http://other.example/api/v1/MessageProcessingLogs/$count`)
    t.equal(absolute.text, '2500', 'an absolute-form target is served as its path (and recorded as received)')
    t.equal(sandbox.stats.requests.at(-1)?.url, 'http://other.example/api/v1/MessageProcessingLogs/$count')
  })

  t.test('$expand inlines a navigation property', async t => {
    const res = await api("/api/v1/IntegrationPackages('com.acme.sales_orders')?$expand=IntegrationDesigntimeArtifacts")
    const { d } = res.json()
    t.ok(Array.isArray(d.IntegrationDesigntimeArtifacts.results))
    t.ok(d.IntegrationDesigntimeArtifacts.results.length > 0)
  })
})
