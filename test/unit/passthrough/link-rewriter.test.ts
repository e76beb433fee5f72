import { Readable } from 'node:stream'
import { text } from 'node:stream/consumers'
import t from 'tap'
import { LinkRewriter, rewriteLinks, tenantLinkReplacements, tenantLinkSpellings } from '../../../src/passthrough/link-rewriter.js'

const TENANT = 'https://acme.it-cpi001.cfapps.eu10.hana.ondemand.com'
const PROXY = 'http://localhost:8000/api/sap'

t.test('both spellings of the tenant link are rewritten to the proxy mount', async (t) => {
  const replacements = tenantLinkReplacements(tenantLinkSpellings(TENANT), PROXY)
  const payload = `{"uri":"${TENANT}:443/api/v1/IntegrationPackages('A')","next":"${TENANT}/api/v1/IntegrationPackages?$skiptoken=2","other":"https://elsewhere.example/api/v1/x"}`
  t.equal(rewriteLinks(payload, replacements), `{"uri":"${PROXY}/IntegrationPackages('A')","next":"${PROXY}/IntegrationPackages?$skiptoken=2","other":"https://elsewhere.example/api/v1/x"}`)
  t.same(tenantLinkSpellings('http://127.0.0.1:4004'), ['http://127.0.0.1:4004/api/v1'], 'an explicit port has one spelling')
})

t.test('matches straddling every chunk boundary are found', async (t) => {
  const replacements = tenantLinkReplacements(tenantLinkSpellings(TENANT), PROXY)
  const entry = (i: number) => `{"__metadata":{"uri":"${TENANT}:443/api/v1/IntegrationPackages('P${i}')"},"Nav":{"__deferred":{"uri":"${TENANT}/api/v1/IntegrationPackages('P${i}')/IntegrationDesigntimeArtifacts"}},"Name":"Ünïcødé ${i}"}`
  const payload = `{"d":{"results":[${Array.from({ length: 50 }, (_, i) => entry(i)).join(',')}]}}`
  const expected = rewriteLinks(payload, replacements)
  const bytes = Buffer.from(payload)
  for (const size of [1, 2, 3, 7, 13, 64, 1000, bytes.length]) {
    const chunks: Buffer[] = []
    for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size))
    const out = await text(Readable.from(chunks).pipe(new LinkRewriter(replacements)))
    t.equal(out, expected, `chunks of ${size} bytes`)
  }
  t.notMatch(expected, /hana\.ondemand\.com/)
})
