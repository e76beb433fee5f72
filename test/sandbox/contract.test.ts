import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { call, client, fetchToken, sleep, start } from './helper.js'
import { checkEntity, entitySchema, primitiveProperties, resolve, type Extras, type Spec } from './spec-check.js'

/**
 * Contract test: every GET path the sandbox serves, answered in JSON, checked against SAP's
 * Business Hub specs in ../shared/specs (read at test time, never copied into the project).
 * See spec-check.ts for how the specs' flaws are handled.
 */

const specDir = new URL('../../../shared/specs/', import.meta.url)
const CONTENT = 'integration-content.swagger.json'
const LOGS = 'message-processing-logs.swagger.json'

/**
 * Properties real tenants return that the specs' definitions lack (sources: the shared API notes,
 * from flashpipe/Piper/cpilint against real tenants; Sender and Receiver appear in the spec's own
 * example for `IntegrationDesigntimeArtifacts(Id,Version)`). Anything else must be in the spec.
 */
const KNOWN_EXTRAS: Extras = {
  'com.sap.hci.api.IntegrationPackage': {
    ResourceId: ['string', 'null'], PartnerContent: ['boolean', 'null'], UpdateAvailable: ['boolean', 'null']
  },
  'com.sap.hci.api.IntegrationDesigntimeArtifact': {
    Sender: ['string', 'null'],
    Receiver: ['string', 'null'],
    CreatedBy: ['string', 'null'],
    CreatedAt: ['string', 'null'],
    ModifiedBy: ['string', 'null'],
    ModifiedAt: ['string', 'null']
  }
}

if (!existsSync(fileURLToPath(new URL(CONTENT, specDir))) || !existsSync(fileURLToPath(new URL(LOGS, specDir)))) {
  t.skip(`${fileURLToPath(specDir)} not found (../shared/specs next to the repo): the contract test runs in CI, where the SAP specs are checked out`, () => {})
} else {
  const specs: Record<string, Spec> = {
    [CONTENT]: JSON.parse(readFileSync(new URL(CONTENT, specDir), 'utf8')) as Spec,
    [LOGS]: JSON.parse(readFileSync(new URL(LOGS, specDir), 'utf8')) as Spec
  }

  t.test('the sandbox answers every GET path it serves as the specs describe', async t => {
    const sandbox = await start(t, { deployDelayMs: 0 })
    const api = await client(sandbox)
    const pkg = 'com.acme.sales_orders'
    const flow = (await api(`/api/v1/IntegrationPackages('${pkg}')/IntegrationDesigntimeArtifacts`)).json().d.results[0]
    const key = `Id='${flow.Id as string}',Version='${flow.Version as string}'`
    const runtime = (await api("/api/v1/IntegrationRuntimeArtifacts?$filter=Status%20eq%20'ERROR'")).json().d.results[0]
    const guid = (await api('/api/v1/MessageProcessingLogs?$top=1')).json().d.results[0].MessageGuid
    const task = (await api(`/api/v1/DeployIntegrationDesigntimeArtifact?Id='${flow.Id as string}'&Version='active'`, { method: 'POST' })).text
    await sleep(5)

    // spec file, spec path, sandbox path, what the 200 answer is
    const served: Array<[string, string, string, 'json' | 'zip' | 'count' | 'text-json' | 'csrf']> = [
      [CONTENT, '/IntegrationPackages', '/IntegrationPackages', 'json'],
      [CONTENT, "/IntegrationPackages('{Id}')", `/IntegrationPackages('${pkg}')`, 'json'],
      [CONTENT, "/IntegrationPackages('{Id}')/$value", `/IntegrationPackages('${pkg}')/$value`, 'zip'],
      [CONTENT, "/IntegrationPackages('{Id}')/IntegrationDesigntimeArtifacts", `/IntegrationPackages('${pkg}')/IntegrationDesigntimeArtifacts`, 'json'],
      [CONTENT, "/IntegrationPackages('{Id}')/IntegrationDesigntimeArtifacts(Id='{ArtifactId}',Version='{ArtifactVersion}')", `/IntegrationPackages('${pkg}')/IntegrationDesigntimeArtifacts(${key})`, 'json'],
      [CONTENT, "/IntegrationDesigntimeArtifacts(Id='{Id}',Version='{Version}')", `/IntegrationDesigntimeArtifacts(${key})`, 'json'],
      [CONTENT, "/IntegrationDesigntimeArtifacts(Id='{Id}',Version='{Version}')/$value", `/IntegrationDesigntimeArtifacts(${key})/$value`, 'zip'],
      [CONTENT, "/IntegrationDesigntimeArtifacts(Id='{Id}',Version='{Version}')/Configurations", `/IntegrationDesigntimeArtifacts(${key})/Configurations`, 'json'],
      [CONTENT, "/IntegrationDesigntimeArtifacts(Id='{Id}',Version='{Version}')/Configurations/$count", `/IntegrationDesigntimeArtifacts(${key})/Configurations/$count`, 'count'],
      [CONTENT, "/BuildAndDeployStatus(TaskId='{taskId}')", `/BuildAndDeployStatus(TaskId='${task}')`, 'json'],
      [CONTENT, '/IntegrationRuntimeArtifacts', '/IntegrationRuntimeArtifacts', 'json'],
      [CONTENT, '/IntegrationRuntimeArtifacts/$count', '/IntegrationRuntimeArtifacts/$count', 'count'],
      [CONTENT, "/IntegrationRuntimeArtifacts('{Id}')", `/IntegrationRuntimeArtifacts('${runtime.Id as string}')`, 'json'],
      [CONTENT, "/IntegrationRuntimeArtifacts('{Id}')/ErrorInformation/$value", `/IntegrationRuntimeArtifacts('${runtime.Id as string}')/ErrorInformation/$value`, 'text-json'],
      [CONTENT, '/', '/', 'csrf'],
      [LOGS, '/MessageProcessingLogs', '/MessageProcessingLogs', 'json'],
      [LOGS, "/MessageProcessingLogs('{MessageGuid}')", `/MessageProcessingLogs('${guid as string}')`, 'json'],
      [LOGS, '/MessageProcessingLogs/$count', '/MessageProcessingLogs/$count', 'count']
    ]

    for (const [file, specPath, path, kind] of served) {
      const spec = specs[file] as Spec
      const operation = spec.paths[specPath]?.get
      const ok = operation?.responses?.['200']
      t.ok(ok, `${specPath} has a GET 200 in ${file}`)
      if (ok === undefined) continue
      if (kind === 'csrf') {
        const res = await api(`/api/v1${path}`, { headers: { 'x-csrf-token': 'Fetch' } })
        t.equal(res.status, 200, specPath)
        const headers = (ok as { headers?: Record<string, unknown> }).headers ?? {}
        for (const name of Object.keys(headers)) t.ok(res.headers[name.toLowerCase()], `${specPath}: response header ${name}`)
        continue
      }
      const res = await api(`/api/v1${path}`)
      t.equal(res.status, 200, `${specPath} answers 200`)
      if (kind === 'zip') {
        t.equal(res.headers['content-type'], 'application/zip', `${specPath}: a zip`)
        t.equal(ok.schema?.type, 'file', `${specPath}: the spec says file`)
        continue
      }
      if (kind === 'count') {
        t.match(res.text, /^\d+$/, `${specPath}: a number`)
        continue
      }
      if (kind === 'text-json') {
        t.match(res.headers['content-type'], new RegExp(`^${(operation?.produces ?? ['application/json'])[0] ?? ''}`), `${specPath}: content type`)
        t.doesNotThrow(() => res.json(), `${specPath}: JSON`)
        continue
      }
      const schema = ok.schema
      if (schema === undefined) { t.fail(`${specPath}: no response schema`); continue }
      const { schema: entity, name, many } = entitySchema(spec, schema)
      const body = res.json()
      t.type(body.d, 'object', `${specPath}: {d: …}`)
      const entities: unknown[] = many ? body.d.results : [body.d]
      t.ok(Array.isArray(entities) && entities.length > 0, `${specPath}: ${many ? 'd.results has entries' : 'd is the entity'}`)
      const problems = entities.flatMap((e, i) => checkEntity(spec, entity, e, `${specPath}[${i}]`, KNOWN_EXTRAS, name))
      t.same(problems, [], `${specPath}: every property is in ${name ?? 'the schema'} with a compatible type`)
      const emitted = Object.keys(entities[0] as object)
      const missing = primitiveProperties(spec, entity).filter(p => !emitted.includes(p))
      t.same(missing, [], `${specPath}: every primitive property of ${name ?? 'the schema'} is emitted`)
    }
  })

  t.test('the checker itself catches unknown properties, wrong types and missing required ones', async t => {
    const spec = specs[CONTENT] as Spec
    const { schema, name } = resolve(spec, { $ref: '#/definitions/com.sap.hci.api.IntegrationRuntimeArtifact' })
    const metadata = { id: 'http://h:1/api/v1/X', uri: 'http://h:1/api/v1/X', type: 'T' }
    t.same(checkEntity(spec, schema, { __metadata: metadata, Id: 'a', Status: null }, 'ok', {}, name), [])
    t.equal(checkEntity(spec, schema, { __metadata: metadata, Id: 'a', Bogus: 1 }, 'x', {}, name).length, 1, 'unknown property')
    t.equal(checkEntity(spec, schema, { __metadata: metadata, Id: 42 }, 'x', {}, name).length, 1, 'wrong type')
    t.equal(checkEntity(spec, schema, { Id: 'a' }, 'x', {}, name).length, 1, 'no __metadata')
    t.equal(checkEntity(spec, schema, { __metadata: { ...metadata, uri: '/relative' }, Id: 'a' }, 'x', {}, name).length, 1, 'relative uri')
    const bads = resolve(spec, { $ref: '#/definitions/com.sap.hci.api.BuildAndDeployStatus' })
    const inner = entitySchema(spec, { type: 'object', properties: { d: { $ref: '#/definitions/com.sap.hci.api.BuildAndDeployStatus' } } })
    t.ok(bads.schema.properties?.d, 'the spec nests d twice for BuildAndDeployStatus')
    t.equal(checkEntity(spec, inner.schema, { __metadata: metadata, TaskId: 't' }, 'x', {}, inner.name).length, 1, 'missing required Status')
  })

  t.test('the known extras are really missing from the specs (keep the list minimal)', async t => {
    const definitions = specs[CONTENT]?.definitions ?? {}
    for (const [name, extras] of Object.entries(KNOWN_EXTRAS)) {
      for (const property of Object.keys(extras)) {
        t.notOk(definitions[name]?.properties?.[property], `${name}.${property} is not in the spec`)
      }
    }
  })

  t.test('errors follow odata.error', async t => {
    const sandbox = await start(t)
    const api = await client(sandbox)
    for (const file of [CONTENT, LOGS]) {
      const spec = specs[file] as Spec
      const { schema, name } = resolve(spec, { $ref: '#/definitions/odata.error' })
      for (const path of ["/api/v1/IntegrationPackages('nope')", '/api/v1/IntegrationPackages(nope)', "/api/v1/MessageProcessingLogs('x')/Nope"]) {
        const res = await api(path)
        t.same(checkEntity(spec, schema, res.json(), `${file} ${path}`, {}, name, true), [], `${path} in ${file}`)
      }
    }
    const unauthorized = await call(sandbox, '/api/v1/IntegrationPackages', { token: `${await fetchToken(sandbox)}x` })
    const spec = specs[CONTENT] as Spec
    const { schema } = resolve(spec, { $ref: '#/definitions/odata.error' })
    t.same(checkEntity(spec, schema, unauthorized.json(), '401', {}, 'odata.error', true), [], 'the 401 too')
  })
}
