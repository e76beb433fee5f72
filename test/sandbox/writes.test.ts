import { createHash } from 'node:crypto'
import t from 'tap'
import { client, sha256, sleep, start } from './helper.js'

const JSON_BODY = { 'content-type': 'application/json' }

t.test('create and delete a package', async t => {
  const sandbox = await start(t)
  const api = await client(sandbox)
  const body = JSON.stringify({ Id: 'com.test.new_pkg', Name: 'New package', ShortText: 'New', Description: '<p>x</p>' })
  const created = await api('/api/v1/IntegrationPackages', { method: 'POST', headers: JSON_BODY, body })
  t.equal(created.status, 201)
  t.match(created.json().d, { Id: 'com.test.new_pkg', Name: 'New package', Mode: 'EDIT_ALLOWED', CreationDate: /^\d{13}$/ })
  t.equal(created.headers.location, `${sandbox.url}/api/v1/IntegrationPackages('com.test.new_pkg')`)
  t.equal((await api('/api/v1/IntegrationPackages/$count')).text, '26')
  const duplicate = await api('/api/v1/IntegrationPackages', { method: 'POST', headers: JSON_BODY, body })
  t.equal(duplicate.status, 409)
  t.same(duplicate.json(), { error: { code: 'Conflict', message: { lang: 'en', value: 'Entity with the specified IntegrationPackage id already exist.' } } })
  t.equal((await api('/api/v1/IntegrationPackages', { method: 'POST', headers: JSON_BODY, body: '{"Name":"x"}' })).status, 400, 'Id is mandatory')
  t.equal((await api('/api/v1/IntegrationPackages', { method: 'POST', headers: JSON_BODY, body: '{"Id":' })).status, 400, 'broken JSON')

  const updated = await api("/api/v1/IntegrationPackages('com.test.new_pkg')", { method: 'PUT', headers: JSON_BODY, body: '{"Name":"Renamed"}' })
  t.equal(updated.status, 202)
  t.equal((await api("/api/v1/IntegrationPackages('com.test.new_pkg')")).json().d.Name, 'Renamed')

  const deleted = await api("/api/v1/IntegrationPackages('com.test.new_pkg')", { method: 'DELETE' })
  t.equal(deleted.status, 202)
  t.equal((await api("/api/v1/IntegrationPackages('com.test.new_pkg')")).status, 404)
  t.equal((await api("/api/v1/IntegrationPackages('com.test.new_pkg')", { method: 'DELETE' })).status, 404)

  const fresh = await start(t)
  t.equal((await (await client(fresh))('/api/v1/IntegrationPackages/$count')).text, '25', 'mutations stay in their instance')
})

t.test('upload an iFlow, update it, deploy it and follow the build status to SUCCESS', async t => {
  const sandbox = await start(t, { deployDelayMs: 150 })
  const api = await client(sandbox)
  const zip = Buffer.alloc(300_000)
  for (let i = 0; i < zip.length; i++) zip[i] = (i * 31) & 0xff
  const body = JSON.stringify({ Name: 'Uploaded Flow', Id: 'com.test.uploaded', PackageId: 'com.acme.sales_orders', ArtifactContent: zip.toString('base64') })
  const created = await api('/api/v1/IntegrationDesigntimeArtifacts', { method: 'POST', headers: JSON_BODY, body })
  t.equal(created.status, 201)
  t.match(created.json().d, { Id: 'com.test.uploaded', Version: '1.0.0', PackageId: 'com.acme.sales_orders', Name: 'Uploaded Flow' })
  const upload = sandbox.stats.uploads.at(-1)
  t.match(upload, { method: 'POST', url: '/api/v1/IntegrationDesigntimeArtifacts', bytes: Buffer.byteLength(body), sha256: sha256(body) })
  t.same(upload?.artifactContent, { bytes: zip.length, sha256: sha256(zip) }, 'ArtifactContent decoded and hashed on the fly')

  const duplicate = await api('/api/v1/IntegrationDesigntimeArtifacts', { method: 'POST', headers: JSON_BODY, body })
  t.equal(duplicate.status, 500)
  t.match(duplicate.json().error, { code: 'Internal Server Error', message: { value: /already exists/ } })
  const noPackage = await api('/api/v1/IntegrationDesigntimeArtifacts', { method: 'POST', headers: JSON_BODY, body: JSON.stringify({ Name: 'X', Id: 'x', PackageId: 'nope' }) })
  t.equal(noPackage.status, 404)

  const listed = (await api("/api/v1/IntegrationPackages('com.acme.sales_orders')/IntegrationDesigntimeArtifacts")).json().d.results
  t.ok(listed.some((a: { Id: string }) => a.Id === 'com.test.uploaded'), 'listed in its package')

  const put = await api("/api/v1/IntegrationDesigntimeArtifacts(Id='com.test.uploaded',Version='active')", { method: 'PUT', headers: JSON_BODY, body: '{"Name":"Uploaded Flow 2","ArtifactContent":"AAEC"}' })
  t.equal(put.status, 200)
  t.same(sandbox.stats.uploads.at(-1)?.artifactContent, { bytes: 3, sha256: sha256(Buffer.from([0, 1, 2])) })

  const unquoted = await api("/api/v1/DeployIntegrationDesigntimeArtifact?Id=com.test.uploaded&Version='active'", { method: 'POST' })
  t.equal(unquoted.status, 400)
  t.equal(unquoted.json().error.message.value, "Unknown literal: 'com.test.uploaded'.")
  const unknown = await api("/api/v1/DeployIntegrationDesigntimeArtifact?Id='nope'&Version='active'", { method: 'POST' })
  t.equal(unknown.status, 404)

  const deploy = await api("/api/v1/DeployIntegrationDesigntimeArtifact?Id='com.test.uploaded'&Version='active'", { method: 'POST' })
  t.equal(deploy.status, 202)
  t.match(deploy.headers['content-type'], /^text\/plain/)
  const taskId = deploy.text
  t.match(taskId, /^[0-9a-f-]{36}$/)
  const status = async (): Promise<string> => (await api(`/api/v1/BuildAndDeployStatus(TaskId='${taskId}')`)).json().d.Status
  t.equal(await status(), 'DEPLOYING')
  t.equal((await api("/api/v1/IntegrationRuntimeArtifacts('com.test.uploaded')")).json().d.Status, 'STARTING')
  await sleep(200)
  t.equal(await status(), 'SUCCESS')
  t.match((await api("/api/v1/IntegrationRuntimeArtifacts('com.test.uploaded')")).json().d, {
    Id: 'com.test.uploaded', Status: 'STARTED', Type: 'INTEGRATION_FLOW', DeployedBy: sandbox.clientId, DeployedOn: /^\/Date\(\d+\)\/$/
  })
  t.equal((await api(`/api/v1/BuildAndDeployStatus(TaskId='${taskId}')`)).json().d.__metadata.type, 'com.sap.hci.api.BuildAndDeployStatus')

  t.equal((await api("/api/v1/IntegrationRuntimeArtifacts('com.test.uploaded')", { method: 'DELETE' })).status, 202, 'undeploy')
  const removed = await api("/api/v1/IntegrationDesigntimeArtifacts(Id='com.test.uploaded',Version='active')", { method: 'DELETE' })
  t.equal(removed.status, 200)
  t.equal((await api("/api/v1/IntegrationDesigntimeArtifacts(Id='com.test.uploaded',Version='active')")).status, 404)
})

t.test('a large binary PUT to $value is streamed and hashed byte for byte', async t => {
  const sandbox = await start(t)
  const api = await client(sandbox)
  const size = 40 * 1024 * 1024
  const expected = createHash('sha256')
  async function * body (): AsyncGenerator<Buffer> {
    let sent = 0
    let n = 0
    while (sent < size) {
      const chunk = Buffer.alloc(Math.min(256 * 1024, size - sent), n++ & 0xff)
      chunk.writeUInt32LE(sent, 0)
      expected.update(chunk)
      sent += chunk.length
      yield chunk
    }
  }
  const url = "/api/v1/IntegrationDesigntimeArtifacts(Id='com.acme.sales_orders.replicate',Version='active')/$value"
  const res = await api(url, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: body() })
  t.equal(res.status, 200)
  t.same(sandbox.stats.uploads.at(-1), { method: 'PUT', url, contentType: 'application/octet-stream', bytes: size, sha256: expected.digest('hex') })
})

t.test('writes the sandbox does not serve', async t => {
  const sandbox = await start(t)
  const api = await client(sandbox)
  t.equal((await api('/api/v1/MessageProcessingLogs', { method: 'POST', headers: JSON_BODY, body: '{}' })).status, 405)
  t.equal((await api('/api/v1/Nope', { method: 'POST', headers: JSON_BODY, body: '{}' })).status, 404)
  t.equal((await api("/api/v1/DeployIntegrationDesigntimeArtifact?Id='x'&Version='active'")).status, 405, 'the deploy function import is POST only')
  t.equal((await api('/api/v1/IntegrationPackages', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' })).status, 415)
})
