import t from 'tap'
import { assertShape } from '../../routes/api/schema-check.js'
import { IFlowSchema, PackageSchema, runtimeIndex, toConfiguration, toIFlow, toPackage, toRuntime, isDraftVersion } from '../../../src/sap/models.js'
import { testConnection } from '../../../src/sap/connection-test.js'

t.test('a package is normalised: camelCase, ISO dates, booleans, null kept', async (t) => {
  const pkg = toPackage({
    __metadata: { uri: 'https://t.example:443/api/v1/IntegrationPackages(\'P\')' },
    Id: 'P', Name: 'Package', Description: '<p>x</p>', ShortText: 'short', Version: '1.0.0', Vendor: 'SAP', Mode: 'READ_ONLY',
    PartnerContent: false, UpdateAvailable: 'true', CreatedBy: 'me', CreationDate: '1521463557739', ModifiedBy: null, ModifiedDate: null,
    ResourceId: 'abc', Products: '[]', IntegrationDesigntimeArtifacts: { __deferred: { uri: 'https://t.example/x' } }
  })
  t.same(pkg, {
    id: 'P', name: 'Package', description: '<p>x</p>', shortText: 'short', version: '1.0.0', vendor: 'SAP', mode: 'READ_ONLY',
    partnerContent: false, updateAvailable: true, createdBy: 'me', createdAt: '2018-03-19T12:45:57.739Z', modifiedBy: null, modifiedAt: null
  })
  assertShape(t, PackageSchema, pkg)
})

t.test('an iFlow: isDraft from Version "Active", runtime joined, packageId filled in', async (t) => {
  const runtime = runtimeIndex([
    { Id: 'F1', Version: '1.0.1', Type: 'INTEGRATION_FLOW', DeployedBy: 'ci', DeployedOn: '/Date(1521463557739)/', Status: 'STARTED' },
    { Id: 'VM', Version: '1.0.0', Type: 'VALUE_MAPPING', DeployedBy: 'ci', DeployedOn: null, Status: 'STARTED' }
  ])
  t.same([...runtime.keys()], ['F1'], 'only integration flows')
  const deployed = toIFlow({ Id: 'F1', Version: '1.0.1', PackageId: 'P', Name: 'Flow', CreatedAt: '1521463557739', ModifiedAt: null }, runtime.get('F1') ?? null)
  t.same(deployed.runtime, { status: 'STARTED', version: '1.0.1', deployedBy: 'ci', deployedAt: '2018-03-19T12:45:57.739Z' })
  t.equal(deployed.isDraft, false)
  t.equal(deployed.createdAt, '2018-03-19T12:45:57.739Z')
  t.equal(deployed.modifiedAt, null)
  assertShape(t, IFlowSchema, deployed)
  const draft = toIFlow({ Id: 'F2', Version: 'Active' }, null, 'P')
  t.equal(draft.isDraft, true)
  t.equal(draft.packageId, 'P')
  t.equal(draft.runtime, null)
  t.equal(draft.sender, null)
  assertShape(t, IFlowSchema, draft)
  t.ok(isDraftVersion('active'), "key lookups spell it 'active'")
  t.notOk(isDraftVersion('1.0.0'))
  t.same(toRuntime({}), { status: null, version: null, deployedBy: null, deployedAt: null })
  t.same(toConfiguration({ ParameterKey: 'k', ParameterValue: 'v', DataType: 'xsd:string', Description: 'd' }), { key: 'k', value: 'v', dataType: 'xsd:string' })
})

t.test('the connection test reports each step and never echoes a secret', async (t) => {
  let clock = 0
  const now = () => clock
  const ok = await testConnection({ token: async () => { clock += 40; return 'tok' }, api: async () => { clock += 70; return 200 } }, now)
  t.same(ok, { success: true, token: { ok: true, latencyMs: 40 }, api: { ok: true, latencyMs: 70, status: 200 }, message: 'Connected: token obtained, IntegrationPackages?$top=1 answered 200' })
  const refused = await testConnection({ token: async () => 'tok', api: async () => 403 }, now)
  t.same(refused.api, { ok: false, latencyMs: 0, status: 403 })
  t.equal(refused.success, false)
  const noToken = await testConnection({ secrets: ['s3cr3t'], token: async () => { throw new Error('token endpoint answered 401 s3cr3t') }, api: async () => 200 }, now)
  t.same(noToken.api, { ok: false, latencyMs: null, status: null })
  t.equal(noToken.message, 'No token: token endpoint answered 401 ***')
  const unreachable = await testConnection({ token: async () => 'tok', api: async () => { throw Object.assign(new Error('connect ECONNREFUSED 10.1.2.3:443'), { code: 'ECONNREFUSED' }) } }, now)
  t.equal(unreachable.message, 'Token obtained, but the API call failed: SAP could not be reached', 'no internal address')
})
