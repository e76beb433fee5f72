import t from 'tap'
import { client, start } from './helper.js'

const BODY = JSON.stringify({ Id: 'com.test.csrf', Name: 'CSRF' })
const JSON_BODY = { 'content-type': 'application/json' }

function cookies (setCookie: string | string[] | undefined): string {
  const list = Array.isArray(setCookie) ? setCookie : setCookie === undefined ? [] : [setCookie]
  return list.map(c => c.split(';')[0]).join('; ')
}

t.test('GET /api/v1/ with X-CSRF-Token: Fetch returns a token and session cookies', async t => {
  const sandbox = await start(t)
  const api = await client(sandbox)
  const res = await api('/api/v1/', { headers: { 'x-csrf-token': 'Fetch' } })
  t.equal(res.status, 200)
  t.match(res.headers['x-csrf-token'], /^\S{16,}$/)
  t.match(cookies(res.headers['set-cookie']), /JSESSIONID=\w+; __VCAP_ID__=\w+/)
  const again = await api('/api/v1/', { headers: { 'x-csrf-token': 'fetch', cookie: cookies(res.headers['set-cookie']) } })
  t.equal(again.headers['x-csrf-token'], res.headers['x-csrf-token'], 'the same session keeps its token')
  t.notOk(again.headers['set-cookie'])
  t.notOk((await api('/api/v1/')).headers['x-csrf-token'], 'no token unless asked for')
})

t.test('by default bearer callers write without a CSRF token', async t => {
  const sandbox = await start(t)
  const api = await client(sandbox)
  t.equal((await api('/api/v1/IntegrationPackages', { method: 'POST', headers: JSON_BODY, body: BODY })).status, 201)
})

t.test('with csrfRequired, writes need the token together with its cookie', async t => {
  const sandbox = await start(t)
  sandbox.options.csrfRequired = true
  const api = await client(sandbox)
  const missing = await api('/api/v1/IntegrationPackages', { method: 'POST', headers: JSON_BODY, body: BODY })
  t.equal(missing.status, 403)
  t.equal(missing.headers['x-csrf-token'], 'Required')
  t.match(missing.json(), { error: { code: 'Forbidden', message: { value: 'CSRF token validation failed' } } })

  const fetched = await api('/api/v1/', { headers: { 'x-csrf-token': 'Fetch' } })
  const token = String(fetched.headers['x-csrf-token'])
  const cookie = cookies(fetched.headers['set-cookie'])
  t.equal((await api('/api/v1/IntegrationPackages', { method: 'POST', headers: { ...JSON_BODY, 'x-csrf-token': token }, body: BODY })).status, 403, 'token without cookie')
  t.equal((await api('/api/v1/IntegrationPackages', { method: 'POST', headers: { ...JSON_BODY, cookie }, body: BODY })).status, 403, 'cookie without token')
  t.equal((await api('/api/v1/IntegrationPackages', { method: 'POST', headers: { ...JSON_BODY, cookie, 'x-csrf-token': 'wrong' }, body: BODY })).status, 403, 'wrong token')
  const ok = await api('/api/v1/IntegrationPackages', { method: 'POST', headers: { ...JSON_BODY, cookie, 'x-csrf-token': token }, body: BODY })
  t.equal(ok.status, 201)
  t.equal((await api("/api/v1/IntegrationPackages('com.test.csrf')", { method: 'DELETE', headers: { cookie, 'x-csrf-token': token } })).status, 202)
  t.equal((await api('/api/v1/IntegrationPackages')).status, 200, 'reads need no token')
  t.equal(sandbox.stats.uploads.filter(u => u.method === 'POST').length, 1, 'rejected writes never reach the handlers')
})
