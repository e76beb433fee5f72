import { statSync } from 'node:fs'
import t from 'tap'
import { artifactPath, launchBrowser, openPage, type Teardown } from '../../fixtures/browser.js'
import { listen } from '../../helper.js'

/** `GET /status` in Chromium: what it shows, what its buttons make the proxy do, and caller auth. */

const KEY = 'status-page-key-0123456789abcdef'
const { browser, skip } = await launchBrowser(t)

/** The page, loaded and rendered; every request it makes is recorded. */
async function statusPage (t: Teardown, url: string) {
  // Full-page screenshots grow past the viewport's height: a short one crops nothing.
  const opened = await openPage(t, browser!, { viewport: { width: 1100, height: 400 } })
  const requested: string[] = []
  opened.page.on('request', (request) => requested.push(request.url()))
  await opened.page.goto(`${url}/status`)
  return { ...opened, requested }
}

const text = async (page: Awaited<ReturnType<typeof statusPage>>['page'], selector: string) => (await page.textContent(selector))?.trim()

t.test('the status page shows the tenant, token and counts, and its buttons do what they say', { skip }, async (t) => {
  const { app, url } = await listen(t, { SAP_ALLOW_WRITES: 'true', SAP_MAX_RPS: '500' })
  const sandbox = app.sandbox!
  const { page, consoleLines, pageErrors, requested } = await statusPage(t, url)
  await page.waitForSelector('body[data-state="ready"]')

  const snapshot = (await app.inject('/api/sap/base-tenant-data')).json()
  t.equal(await text(page, '#tenant'), 'sandbox')
  t.equal(await text(page, '#count-packages'), '25')
  t.equal(await text(page, '#count-iflows'), String(snapshot.counts.iflows))
  t.equal(await text(page, '#count-deployed'), String(snapshot.counts.deployed))
  t.equal(await text(page, '#token-state'), 'Valid')
  t.match(await text(page, '#token-left'), /^\d+ h \d+ min left \(expires /, 'time left on the token')
  t.equal(await page.getAttribute('#token-state', 'data-tone'), 'ok')
  t.equal(await text(page, '#no-errors'), 'None since this page was opened.')

  // Refresh token: one new token from the tenant, and the page shows the new count.
  const tokensBefore = sandbox.stats.tokensIssued
  await page.click('#refresh-token')
  await page.waitForSelector('#refresh-token[data-runs="1"]')
  t.equal(sandbox.stats.tokensIssued, tokensBefore + 1, 'the tenant issued one token')
  t.match(await text(page, '#token-detail'), `${app.tenant.tokens.status().refreshCount} obtained`)

  // Test connection: the proxy calls the tenant once, the page reports it.
  const probes = () => sandbox.stats.requests.filter((request) => request.url === '/api/v1/IntegrationPackages?$top=1').length
  const probesBefore = probes()
  await page.click('#test-connection')
  await page.waitForSelector('#test-connection[data-runs="1"]')
  t.equal(probes(), probesBefore + 1, 'the tenant got the test call')
  t.equal(await text(page, '#connection'), 'Connected')
  t.equal(await page.getAttribute('#connection', 'data-tone'), 'ok')
  t.match(await text(page, '#connection-detail'), /Connected: token obtained, IntegrationPackages\?\$top=1 answered 200 \(token ok in \d+ ms, API ok in \d+ ms/)

  // Reload snapshot: a package made meanwhile shows up.
  const created = await fetch(`${url}/api/sap/IntegrationPackages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ Id: 'MadeWhileOpen', Name: 'Made while the page was open', ShortText: 'reload me' })
  })
  t.equal(created.status, 201)
  const mark = sandbox.stats.requests.length
  await page.click('#reload-snapshot')
  await page.waitForSelector('#reload-snapshot[data-runs="1"]')
  t.equal(await text(page, '#count-packages'), '26', 'the new package is counted')
  const reread = sandbox.stats.requests.slice(mark).filter((request) => request.url.endsWith('/IntegrationDesigntimeArtifacts'))
  t.equal(reread.length, 26, 'the tenant was read again, every package')

  const screenshot = artifactPath('status-page.png')
  await page.screenshot({ path: screenshot, fullPage: true })
  t.ok(statSync(screenshot).size > 10_000, `screenshot at ${screenshot}`)

  // A failure lands in "Last errors", with the contract's code and the request id.
  sandbox.setTokenEndpointDown(true)
  await page.click('#refresh-token')
  await page.waitForSelector('#refresh-token[data-runs="2"]')
  sandbox.setTokenEndpointDown(false)
  t.match(await text(page, '#errors li'), /refresh token: 503 · SAP_PROXY_TOKEN_UNAVAILABLE · .* · request \S+ · from the proxy/)
  t.equal(await page.isHidden('#no-errors'), true)
  t.equal(await text(page, '#token-state'), 'Valid', 'the cached token still serves')
  t.equal(await page.getAttribute('#token-state', 'data-tone'), 'warn')
  t.match(await text(page, '#token-detail'), /last error: token endpoint answered 503/)
  await page.screenshot({ path: artifactPath('status-page-error.png'), fullPage: true })

  t.same(pageErrors, [], 'no script errors')
  t.same(consoleLines.filter((line) => !/^error: Failed to load resource: .* 503/.test(line)), [], 'no console errors (no CSP violation) but the failed call\'s')
  t.same(requested.filter((address) => !address.startsWith(`${url}/`) && !address.startsWith('data:')), [], 'nothing is loaded from outside the proxy')
})

t.test('with API_KEYS the page asks for a key and keeps it in the tab\'s session only', { skip }, async (t) => {
  const { url } = await listen(t, { API_KEYS: KEY, SAP_MAX_RPS: '500' })
  const { page, context } = await statusPage(t, url)
  await page.waitForSelector('body[data-state="needs-key"]')
  t.equal(await page.isVisible('#key-form'), true, 'the page loads and asks for a key')
  t.equal(await text(page, '#tenant'), 'sandbox', 'open facts show meanwhile')
  t.equal(await text(page, '#count-packages'), '–')
  t.equal(await text(page, '#no-errors'), 'None since this page was opened.', 'a 401 is a question, not an error')

  await page.fill('#key-input', 'not-the-key-0123456789')
  await page.click('#key-form button[type="submit"]')
  await page.waitForSelector('body[data-state="needs-key"]')
  t.match(await text(page, '#key-reason'), /not accepted/)

  await page.fill('#key-input', KEY)
  await page.click('#key-form button[type="submit"]')
  await page.waitForSelector('body[data-state="ready"]')
  t.equal(await page.isHidden('#key-form'), true)
  t.equal(await text(page, '#count-packages'), '25')
  t.equal(await text(page, '#token-state'), 'Valid')
  t.same(await page.evaluate(() => ({ session: sessionStorage.getItem('sap-is-proxy.apiKey'), local: localStorage.length, cookie: document.cookie })), { session: KEY, local: 0, cookie: '' }, 'sessionStorage only')

  await page.reload()
  await page.waitForSelector('body[data-state="ready"]')
  t.equal(await text(page, '#count-packages'), '25', 'a reload in the same tab keeps the key')

  const other = await context.browser()!.newContext()
  t.teardown(() => other.close())
  const fresh = await other.newPage()
  await fresh.goto(`${url}/status`)
  await fresh.waitForSelector('body[data-state="needs-key"]')
  t.pass('another session asks again')

  await page.click('#forget-key')
  await page.waitForSelector('body[data-state="needs-key"]')
  t.equal(await page.evaluate(() => sessionStorage.length), 0, 'Forget API key removes it')
})
