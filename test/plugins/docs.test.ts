import { Validator } from '@seriousme/openapi-schema-validator'
import Fastify, { type RouteOptions } from 'fastify'
import fp from 'fastify-plugin'
import t from 'tap'
import app from '../../src/app.js'
import { serverOptions } from '../../src/server-options.js'
import { build, testSettings, type Teardown } from '../helper.js'

/** The real app with an `onRoute` hook registered first, so every route it registers is seen. */
async function buildCollectingRoutes (t: Teardown, env: Record<string, string> = {}) {
  const settings = testSettings(env)
  const fastify = Fastify({ ...serverOptions(settings), logger: false })
  const routes: RouteOptions[] = []
  fastify.addHook('onRoute', (route) => { routes.push(route) })
  await fastify.register(fp(app), { settings })
  await fastify.ready()
  t.teardown(() => fastify.close())
  return { app: fastify, routes }
}

/** `/a/:id/*` as OpenAPI spells it: `/a/{id}/{*}`. */
function openApiPath (url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\*/g, '{*}')
}

function documentedRoutes (routes: RouteOptions[]): Array<{ method: string, url: string }> {
  return routes
    .filter((route) => !(route.schema as { hide?: boolean } | undefined)?.hide && !route.url.startsWith('/docs'))
    .flatMap((route) => [route.method].flat().map((method) => ({ method: String(method), url: route.url })))
    .filter((route) => route.method !== 'HEAD')
}

t.test('/docs/json is a valid OpenAPI 3 document of every registered route', async (t) => {
  const { app: fastify, routes } = await buildCollectingRoutes(t)
  const res = await fastify.inject('/docs/json')
  t.equal(res.statusCode, 200)
  const doc = res.json()
  t.match(doc.openapi, /^3\.0\.\d$/)

  const validator = new Validator()
  const result = await validator.validate(structuredClone(doc))
  t.same(result.errors ?? [], [], 'no validation errors')
  t.ok(result.valid, 'the validator accepts it')

  const expected = documentedRoutes(routes)
  t.ok(expected.length >= 12, `${expected.length} routes registered`)
  for (const { method, url } of expected) {
    const item = doc.paths?.[openApiPath(url)]
    // Methods OpenAPI 3.0 has no field for (the passthrough's MERGE) sit under x-additional-operations.
    const operation = item?.[method.toLowerCase()] ?? item?.['x-additional-operations']?.[method]
    t.ok(operation, `${method} ${url} is documented`)
    if (!operation) continue
    t.ok(operation.summary, `${method} ${url} has a summary`)
    t.ok(operation.tags?.length > 0, `${method} ${url} has a tag`)
    t.ok(Object.keys(operation.responses ?? {}).length > 0, `${method} ${url} has responses`)
  }
  const declaredTags = new Set(doc.tags.map((tag: { name: string }) => tag.name))
  for (const path of Object.values(doc.paths) as Array<Record<string, { tags?: string[] }>>) {
    for (const operation of Object.values(path)) for (const tag of operation.tags ?? []) t.ok(declaredTags.has(tag), `tag ${tag} is declared`)
  }
})

t.test('the typed SAP routes are documented with parameters, examples and error responses', async (t) => {
  const fastify = await build(t)
  const doc = (await fastify.inject('/docs/json')).json()
  const packageById = doc.paths['/api/sap/packages/{id}'].get
  const id = packageById.parameters.find((p: { in: string, name: string }) => p.in === 'path' && p.name === 'id')
  t.match(id, { required: true, schema: { type: 'string', pattern: String } }, 'the id pattern is in the docs')
  t.ok(packageById.parameters.some((p: { in: string, name: string }) => p.in === 'query' && p.name === 'refresh'))
  for (const status of ['200', '304', '400', '404', '502', '503', '504']) t.ok(packageById.responses[status], `GET /api/sap/packages/{id} documents ${status}`)
  t.ok(packageById.responses['200'].content['application/json'].example, 'with an example answer')
  t.match(packageById.responses['404'].content['application/json'], { schema: { required: ['statusCode', 'error', 'code', 'message', 'requestId'] }, example: { code: 'SAP_PROXY_NOT_FOUND' } })
  t.notOk(packageById.responses['304'].content, '304 has no body')

  for (const [path, method] of [['/api/sap/packages', 'get'], ['/api/sap/iflows', 'get'], ['/api/sap/iflows/{id}', 'get'], ['/api/sap/base-tenant-data', 'get'], ['/api/sap/refresh-token', 'post'], ['/api/sap/token-status', 'get'], ['/api/config', 'get'], ['/api/tenants/test-connection', 'post']] as const) {
    const operation = doc.paths[path]?.[method]
    t.ok(operation?.responses['200'].content['application/json'].example ?? operation?.responses['200'].content['application/json'].examples, `${method.toUpperCase()} ${path} has an example`)
  }
  const body = doc.paths['/api/tenants/test-connection'].post.requestBody.content['application/json'].schema
  t.same(Object.keys(body.properties).sort(), ['baseUrl', 'clientId', 'clientSecret', 'tokenUrl'])
  t.notOk(body.required?.length, 'every body field is optional (all or none)')
  t.equal(doc.paths['/api/sap/base-tenant-data'].get.responses['200'].content['application/json'].schema.properties.counts.properties.deployed.type, 'integer')
  t.match(doc.paths['/api/sap/iflows/{id}'].get.responses['200'].content['application/json'].schema.properties.runtime, { nullable: true }, 'nullable as OpenAPI 3.0 spells it')
})

t.test('no secret or tenant credential appears in the document', async (t) => {
  const secrets = { SAP_CLIENT_SECRET: 'TopSecret-Client-Secret-42', API_KEYS: 'caller-key-aaaaaaaaaaaa,caller-key-bbbbbbbbbbbb' }
  const { startFakeSap } = await import('../fixtures/fake-sap.js')
  const fake = await startFakeSap()
  t.teardown(() => fake.close())
  const fastify = await build(t, { ...fake.settings, ...secrets })
  await fastify.inject({ url: '/api/sap/packages', headers: { 'x-api-key': 'caller-key-aaaaaaaaaaaa' } }) // a token is held now
  const res = await fastify.inject({ url: '/docs/json', headers: { 'x-api-key': 'caller-key-aaaaaaaaaaaa' } })
  t.equal(res.statusCode, 200)
  for (const secret of [secrets.SAP_CLIENT_SECRET, 'caller-key-aaaaaaaaaaaa', 'caller-key-bbbbbbbbbbbb', fake.clientSecret, fake.clientId, 'fake-token-', fake.url, new URL(fake.url).host]) {
    t.notMatch(res.body, secret, `${secret.slice(0, 12)}… is not in the document`)
  }
  const doc = res.json()
  t.ok(doc.components?.securitySchemes?.apiKey, 'with API_KEYS set, the caller-authentication schemes are documented')
  t.same(doc.security, [{ apiKey: [] }, { bearer: [] }])
  t.same(doc.paths['/health'].get.security, [], 'the exempt routes say so')
  t.notOk(doc.paths['/api/sap/packages'].get.security, 'the rest inherit the global requirement')
  const ui = await fastify.inject({ url: '/docs/yaml', headers: { 'x-api-key': 'caller-key-aaaaaaaaaaaa' } })
  t.notMatch(ui.body, secrets.SAP_CLIENT_SECRET)
})

t.test('Swagger UI at /docs; DOCS_ENABLED=false turns it all off', async (t) => {
  const on = await build(t)
  const page = await on.inject('/docs/')
  t.equal(page.statusCode, 200)
  t.match(page.headers['content-type'], /text\/html/)
  t.match(page.body, /swagger/i)

  const off = await build(t, { DOCS_ENABLED: 'false' })
  for (const url of ['/docs', '/docs/', '/docs/json', '/docs/yaml']) t.equal((await off.inject(url)).statusCode, 404, `${url} → 404`)
  t.equal((await off.inject('/api/sap/token-status')).statusCode, 200, 'the routes still serve')
})
