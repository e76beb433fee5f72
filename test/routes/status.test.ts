import t from 'tap'
import { BROWSER_MODULES } from '../../routes/status/modules.js'
import { PAGE_SCRIPT } from '../../routes/status/page.js'
import { build } from '../helper.js'

const KEY = 'status-route-key-0123456789abcdef'

t.test('GET /status is a page with its script and styles from the proxy itself, under the CSP', async (t) => {
  const app = await build(t)
  const page = await app.inject('/status')
  t.equal(page.statusCode, 200)
  t.match(page.headers['content-type'], /^text\/html; charset=utf-8/)
  t.equal(page.headers['cache-control'], 'no-cache')
  const csp = String(page.headers['content-security-policy'])
  t.match(csp, /script-src 'self'/)
  t.match(csp, /connect-src 'self'/)
  t.notMatch(csp, /unsafe-eval|script-src[^;]*unsafe-inline/)

  const html = page.body
  t.notMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script')
  t.notMatch(html, /\son[a-z]+=/i, 'no inline event handlers')
  t.notMatch(html, /(?:src|href)="(?:https?:)?\/\//, 'nothing from another host')
  for (const id of ['tenant', 'connection', 'token-state', 'token-left', 'count-packages', 'count-iflows', 'count-deployed', 'errors', 'test-connection', 'refresh-token', 'reload-snapshot', 'key-form']) {
    t.match(html, `id="${id}"`, `#${id}`)
  }

  const assets = [...html.matchAll(/(?:src|href)="(status\/[^"]+)"/g)].map((match) => `/${match[1]}`)
  t.same(assets.sort(), ['/status/assets/status.css', `/${PAGE_SCRIPT}`].sort())
  for (const asset of assets) {
    const res = await app.inject(asset)
    t.equal(res.statusCode, 200, asset)
    t.match(res.headers['content-type'], asset.endsWith('.css') ? /^text\/css/ : /^text\/javascript/)
  }
  for (const module of BROWSER_MODULES) {
    const res = await app.inject(`/status/assets/modules/${module}`)
    t.equal(res.statusCode, 200, module)
    t.match(res.body, /\bexport\b|\bimport\b/, `${module} is an ES module`)
  }
})

t.test('only the listed modules are served: no other file, no escape', async (t) => {
  const app = await build(t)
  for (const path of ['src/client/types.js', 'src/config.js', 'src/client/index.ts', 'package.json', '..%2F..%2Fpackage.json', '../../../package.json', 'src/client/index.js/', 'dist/src/client/index.js']) {
    const res = await app.inject(`/status/assets/modules/${path}`)
    t.ok([400, 404].includes(res.statusCode), `${path} → ${res.statusCode}`)
    t.equal(res.headers['x-error-source'], 'proxy')
    t.notMatch(res.body, /"dependencies"|ConfigError/, 'no file content')
  }
})

t.test('with API_KEYS the page and its assets are open, the data it shows is not', async (t) => {
  const app = await build(t, { API_KEYS: KEY })
  for (const url of ['/status', '/status/assets/status.css', `/${PAGE_SCRIPT}`, '/status/assets/modules/src/client/index.js']) {
    t.equal((await app.inject(url)).statusCode, 200, `${url} without a key`)
  }
  for (const url of ['/api/sap/token-status', '/api/sap/base-tenant-data', '/api/config']) {
    t.equal((await app.inject(url)).statusCode, 401, `${url} needs one`)
    t.equal((await app.inject({ url, headers: { 'x-api-key': KEY } })).statusCode, 200, `${url} with it`)
  }
  t.equal((await app.inject({ method: 'POST', url: '/api/sap/refresh-token' })).statusCode, 401, 'so do the buttons\' calls')
  t.equal((await app.inject('/status/no-such-asset')).statusCode, 401, 'unknown paths below /status stay closed')

  const doc = (await app.inject('/docs/json')).json() as { paths: Record<string, { get?: { tags?: string[], security?: unknown[] } }> }
  t.match(doc.paths['/status']?.get, { tags: ['status'], security: [] }, 'documented as a public page')
  t.notOk(Object.keys(doc.paths).some((path) => path.startsWith('/status/')), 'its assets are not documented')
})
