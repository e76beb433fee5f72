import t from 'tap'
import { upstreamTarget, UnsafePathError } from '../../../src/passthrough/path-guard.js'

t.test('maps the mount onto /api/v1 and keeps the query byte for byte', async (t) => {
  t.same(upstreamTarget('/api/sap/IntegrationPackages', '/api/sap'), { path: '/api/v1/IntegrationPackages', query: '' })
  t.same(upstreamTarget('/api/sap', '/api/sap'), { path: '/api/v1', query: '' })
  t.same(upstreamTarget('/api/sap/', '/api/sap'), { path: '/api/v1/', query: '' })
  t.same(upstreamTarget("/api/v1/IntegrationPackages('com.acme.x_1')/IntegrationDesigntimeArtifacts", '/api/v1'), { path: "/api/v1/IntegrationPackages('com.acme.x_1')/IntegrationDesigntimeArtifacts", query: '' })
  const query = "$filter=LogStart%20gt%20datetimeoffset'2026-01-01T00:00:00+01:00'&%24top=5&$top=6&name=a+b%2Bc"
  t.same(upstreamTarget(`/api/sap/MessageProcessingLogs?${query}`, '/api/sap'), { path: '/api/v1/MessageProcessingLogs', query })
  t.same(upstreamTarget("/api/sap/IntegrationPackages('O''Brien%27s')", '/api/sap').path, "/api/v1/IntegrationPackages('O''Brien%27s')")
})

t.test('refuses every spelling of an escape', async (t) => {
  const hostile = [
    '/api/sap/../oauth/token',
    '/api/sap/..',
    '/api/sap/./x',
    '/api/sap/%2e%2e/oauth/token',
    '/api/sap/%2E%2E/x',
    '/api/sap/.%2e/x',
    '/api/sap/%2e./x',
    '/api/sap/%252e%252e/x',
    '/api/sap/x%2F..%2F..%2Foauth',
    '/api/sap/x%2f..',
    '/api/sap/%5c..%5cx',
    '/api/sap/..\\x',
    '/api/sap/\\..\\x',
    '/api/sap//evil.example/x',
    '/api/sap/x//y',
    '/api/sap/x%00',
    '/api/sap/x\u0000',
    '/api/sap/x;jsessionid=1',
    '/api/sap/%zz',
    '/api/%73ap/x',
    '/API/SAP/x',
    '/api/sapx',
    'http://evil.example/api/sap/x',
    '//evil.example/api/sap/x',
    '/api/sap/x?a=\r\nInjected: 1'
  ]
  for (const target of hostile) {
    t.throws(() => upstreamTarget(target, '/api/sap'), UnsafePathError, JSON.stringify(target))
  }
})
