import t from 'tap'
import { compositeEntityPath, entityPath, isValidId, keyLiteral, nextLinkPath, sapErrorMessage, toBoolean, toIsoDate } from '../../../src/sap/odata.js'

t.test('key literals double quotes and percent-encode everything that could end the literal', async (t) => {
  t.equal(keyLiteral('com.acme.sales_orders'), "'com.acme.sales_orders'")
  t.equal(keyLiteral("O'Brien"), "'O%27%27Brien'", 'quote doubled, then encoded')
  t.equal(keyLiteral("x')/Foo('y"), "'x%27%27%29%2FFoo%28%27%27y'")
  t.equal(keyLiteral('a?$top=1#f'), "'a%3F%24top%3D1%23f'")
  t.equal(keyLiteral('%27'), "'%2527'", 'an encoded quote stays data')
  t.equal(keyLiteral('a,Version=\'b\''), "'a%2CVersion%3D%27%27b%27%27'")
  t.equal(keyLiteral('*!()'), "'%2A%21%28%29'", 'what encodeURIComponent leaves alone is encoded too')
  for (const hostile of ["'", "')", "'/x", '../', '?', '#', '%27', "a'b'c", '\u0000', ' ']) {
    const literal = keyLiteral(hostile)
    t.match(literal, /^'[^'()/?#,=]*'$/, `${JSON.stringify(hostile)} cannot leave its literal`)
    t.equal(decodeURIComponent(literal.slice(1, -1)).replace(/''/g, "'"), hostile, 'and round-trips')
  }
})

t.test('entity paths put ids only inside literals', async (t) => {
  t.equal(entityPath('IntegrationPackages', 'P1'), "IntegrationPackages('P1')")
  t.equal(compositeEntityPath('IntegrationDesigntimeArtifacts', { Id: "a'b", Version: 'active' }), "IntegrationDesigntimeArtifacts(Id='a%27%27b',Version='active')")
})

t.test('the id pattern accepts SAP technical names and refuses the rest', async (t) => {
  for (const id of ['com.acme.sales_orders', 'SAPS4HANAIntegrationWithSalesforce', 'Flow-1_v2', '_x', 'a']) t.ok(isValidId(id), id)
  for (const id of ['', '.', '..', '.hidden', '-x', "a'b", 'a/b', 'a b', 'a?b', 'a#b', 'a%27', 'a(b)', 'a,b', 'a=b', 'a\\b', 'x'.repeat(201), 'ä']) t.notOk(isValidId(id), JSON.stringify(id))
})

t.test('dates: /Date(ms)/, epoch-ms strings, ISO; null stays null', async (t) => {
  t.equal(toIsoDate('/Date(1521463557739)/'), '2018-03-19T12:45:57.739Z')
  t.equal(toIsoDate('/Date(1521463557739+0100)/'), '2018-03-19T12:45:57.739Z', 'the offset suffix is tolerated')
  t.equal(toIsoDate('1521463557739'), '2018-03-19T12:45:57.739Z')
  t.equal(toIsoDate(1521463557739), '2018-03-19T12:45:57.739Z')
  t.equal(toIsoDate('2018-03-19T12:45:57.739Z'), '2018-03-19T12:45:57.739Z')
  t.equal(toIsoDate('/Date(-86400000)/'), '1969-12-31T00:00:00.000Z')
  for (const nothing of [null, undefined, '', ' ', 'yesterday', '/Date(abc)/', {}, true, '99999999999999999999']) t.equal(toIsoDate(nothing), null, JSON.stringify(nothing))
})

t.test('booleans', async (t) => {
  t.equal(toBoolean(true), true)
  t.equal(toBoolean('true'), true)
  t.equal(toBoolean(false), false)
  t.equal(toBoolean(null), false)
  t.equal(toBoolean(undefined), false)
})

t.test("SAP's error message is read, cleaned and cut", async (t) => {
  t.equal(sapErrorMessage('{"error":{"code":"Not Found","message":{"lang":"en","value":"Requested entity could not be found."}}}'), 'Requested entity could not be found.')
  t.equal(sapErrorMessage('{"error":{"code":"x","message":"plain"}}'), 'plain')
  t.equal(sapErrorMessage('{"error":{"message":{"value":"a\\r\\nInjected: header"}}}'), 'a Injected: header')
  t.equal(sapErrorMessage(JSON.stringify({ error: { message: { value: 'x'.repeat(600) } } }))?.length, 501)
  t.equal(sapErrorMessage('<html>'), undefined)
  t.equal(sapErrorMessage('{"error":{}}'), undefined)
  t.equal(sapErrorMessage('null'), undefined)
})

t.test('next links: absolute (with :443) or relative, never outside the API root', async (t) => {
  const api = 'https://t.it-cpi.cfapps.eu10.hana.ondemand.com/api/v1'
  t.equal(nextLinkPath('https://t.it-cpi.cfapps.eu10.hana.ondemand.com:443/api/v1/IntegrationPackages?$skiptoken=1000', 'IntegrationPackages', api), 'IntegrationPackages?$skiptoken=1000')
  t.equal(nextLinkPath('IntegrationPackages?$skiptoken=1000', 'IntegrationPackages', api), 'IntegrationPackages?$skiptoken=1000', 'relative to the service root')
  t.equal(nextLinkPath("IntegrationPackages('P')/IntegrationDesigntimeArtifacts?$skiptoken=2", "IntegrationPackages('P')/IntegrationDesigntimeArtifacts", api), "IntegrationPackages('P')/IntegrationDesigntimeArtifacts?$skiptoken=2", 'a navigation path is not doubled')
  t.equal(nextLinkPath('/api/v1/IntegrationPackages?$skiptoken=3', 'IntegrationPackages', api), 'IntegrationPackages?$skiptoken=3')
  t.equal(nextLinkPath("?$skiptoken=4&$filter=Name eq '+1'", "IntegrationPackages('P')/IntegrationDesigntimeArtifacts", api), "IntegrationPackages('P')/IntegrationDesigntimeArtifacts?$skiptoken=4&$filter=Name%20eq%20%27+1%27", 'a bare query is relative to its page; + stays +')
  t.equal(nextLinkPath('http://127.0.0.1:4000/api/v1/IntegrationPackages?$skiptoken=1', 'IntegrationPackages', 'http://127.0.0.1:4000/api/v1'), 'IntegrationPackages?$skiptoken=1')
  for (const hostile of [
    'https://evil.example/api/v1/IntegrationPackages',
    'http://t.it-cpi.cfapps.eu10.hana.ondemand.com/api/v1/IntegrationPackages',
    'https://t.it-cpi.cfapps.eu10.hana.ondemand.com:8443/api/v1/IntegrationPackages',
    'https://user:pw@t.it-cpi.cfapps.eu10.hana.ondemand.com/api/v1/IntegrationPackages',
    '//evil.example/api/v1/x',
    '/oauth/token',
    '../../oauth/token',
    '/api/v1/../oauth/token',
    '/api/v1/%2e%2e/oauth/token',
    '/api/v1',
    '/api/v10/x',
    'https://t.it-cpi.cfapps.eu10.hana.ondemand.com/api/v1/'
  ]) t.equal(nextLinkPath(hostile, 'IntegrationPackages', api), undefined, hostile)
})
