import t from 'tap'
import { basic, call, fetchToken, sleep, start } from './helper.js'

const FORM = { 'content-type': 'application/x-www-form-urlencoded' }

t.test('the token endpoint accepts the three client authentication styles', async t => {
  const sandbox = await start(t, { clientSecret: 'se$cr=et+/x' })
  const { clientId, clientSecret } = sandbox
  const styles = {
    'HTTP Basic, id and secret as-is': await call(sandbox, '/oauth/token', {
      method: 'POST', headers: { ...FORM, authorization: basic(clientId, clientSecret) }, body: 'grant_type=client_credentials'
    }),
    'form fields': await call(sandbox, '/oauth/token', {
      method: 'POST',
      headers: FORM,
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }).toString()
    }),
    'query parameters': await call(sandbox, `/oauth/token?${new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }).toString()}`, { method: 'POST' })
  }
  for (const [style, res] of Object.entries(styles)) {
    t.equal(res.status, 200, style)
    t.equal(res.headers['cache-control'], 'no-store', `${style}: Cache-Control`)
    const body = res.json()
    t.match(body, { token_type: 'bearer', expires_in: 43199, scope: String, jti: String }, style)
    t.match(body.access_token, /^[\w-]+\.[\w-]+\.[\w-]+$/, `${style}: a JWT-looking token`)
  }
  t.equal(sandbox.stats.tokensIssued, 3)
  const tokens = Object.values(styles).map(r => r.json().access_token)
  t.equal(new Set(tokens).size, 3, 'every token is new')
})

t.test('bad credentials get invalid_client with the UAA WWW-Authenticate header', async t => {
  const sandbox = await start(t)
  const urlEncoded = basic(encodeURIComponent(sandbox.clientId), sandbox.clientSecret)
  for (const authorization of [basic(sandbox.clientId, 'wrong'), basic('someone', sandbox.clientSecret), urlEncoded]) {
    const res = await call(sandbox, '/oauth/token', { method: 'POST', headers: { ...FORM, authorization }, body: 'grant_type=client_credentials' })
    t.equal(res.status, 401)
    t.same(res.json(), { error: 'invalid_client', error_description: 'Bad credentials' })
    t.equal(res.headers['www-authenticate'], 'Basic realm="UAA/client", error="unauthorized", error_description="Bad credentials"')
  }
  const none = await call(sandbox, '/oauth/token', { method: 'POST', headers: FORM, body: 'grant_type=client_credentials' })
  t.equal(none.status, 401, 'no credentials at all')
  t.equal(sandbox.stats.tokensIssued, 0)
})

t.test('only client_credentials is granted', async t => {
  const sandbox = await start(t)
  const authorization = basic(sandbox.clientId, sandbox.clientSecret)
  const wrong = await call(sandbox, '/oauth/token', { method: 'POST', headers: { ...FORM, authorization }, body: 'grant_type=password&username=a&password=b' })
  t.equal(wrong.status, 400)
  t.equal(wrong.json().error, 'unsupported_grant_type')
  const missing = await call(sandbox, '/oauth/token', { method: 'POST', headers: { ...FORM, authorization }, body: '' })
  t.equal(missing.status, 400)
  t.equal(missing.json().error, 'invalid_request')
  const get = await call(sandbox, '/oauth/token?grant_type=client_credentials', { headers: { authorization } })
  t.equal(get.status, 405)
})

t.test('the API needs a bearer token issued by the sandbox', async t => {
  const sandbox = await start(t)
  for (const authorization of [undefined, 'Bearer not-a-token', basic(sandbox.clientId, sandbox.clientSecret)]) {
    const res = await call(sandbox, '/api/v1/IntegrationPackages', { headers: { accept: 'application/json', ...(authorization !== undefined ? { authorization } : {}) } })
    t.equal(res.status, 401, String(authorization))
    t.match(res.headers['content-type'], /^application\/json/)
    t.match(res.json(), { error: { code: 'Unauthorized', message: { lang: 'en', value: String } } })
  }
  const token = await fetchToken(sandbox)
  const ok = await call(sandbox, '/api/v1/IntegrationPackages', { token, headers: { accept: 'application/json' } })
  t.equal(ok.status, 200)
  const other = await start(t)
  const foreign = await call(other, '/api/v1/IntegrationPackages', { token, headers: { accept: 'application/json' } })
  t.equal(foreign.status, 401, 'a token of another sandbox instance is not valid')
})

t.test('tokens expire after expires_in seconds by the wall clock', async t => {
  const sandbox = await start(t, { expiresIn: 1 })
  const res = await call(sandbox, '/oauth/token', { method: 'POST', headers: { ...FORM, authorization: basic(sandbox.clientId, sandbox.clientSecret) }, body: 'grant_type=client_credentials' })
  t.equal(res.json().expires_in, 1)
  const token = res.json().access_token
  t.equal((await call(sandbox, '/api/v1/', { token })).status, 200)
  await sleep(1100)
  t.equal((await call(sandbox, '/api/v1/', { token })).status, 401, 'expired')
  sandbox.options.expiresIn = 3600
  const fresh = await call(sandbox, '/oauth/token', { method: 'POST', headers: { ...FORM, authorization: basic(sandbox.clientId, sandbox.clientSecret) }, body: 'grant_type=client_credentials' })
  t.equal(fresh.json().expires_in, 3600, 'options are read at request time')
})

t.test('revokeTokens invalidates every issued token', async t => {
  const sandbox = await start(t)
  const a = await fetchToken(sandbox)
  const b = await fetchToken(sandbox)
  sandbox.revokeTokens()
  t.equal((await call(sandbox, '/api/v1/', { token: a })).status, 401)
  t.equal((await call(sandbox, '/api/v1/', { token: b })).status, 401)
  const c = await fetchToken(sandbox)
  t.equal((await call(sandbox, '/api/v1/', { token: c })).status, 200, 'new tokens work')
})

t.test('setTokenEndpointDown makes the token endpoint answer 503', async t => {
  const sandbox = await start(t)
  const token = await fetchToken(sandbox)
  sandbox.setTokenEndpointDown(true)
  const down = await call(sandbox, '/oauth/token', { method: 'POST', headers: { ...FORM, authorization: basic(sandbox.clientId, sandbox.clientSecret) }, body: 'grant_type=client_credentials' })
  t.equal(down.status, 503)
  t.equal((await call(sandbox, '/api/v1/', { token })).status, 200, 'issued tokens keep working')
  sandbox.setTokenEndpointDown(false)
  t.ok(await fetchToken(sandbox))
  t.equal(sandbox.stats.tokensIssued, 2)
})

t.test('stats.requests records every request in order, raw url byte for byte', async t => {
  const sandbox = await start(t)
  const token = await fetchToken(sandbox)
  const raw = "/api/v1/IntegrationPackages?$filter=Name%20eq%20'a+b'&%24top=1"
  await call(sandbox, raw, { token, headers: { accept: 'application/json', 'x-test': 'yes' } })
  const [first, second] = sandbox.stats.requests
  t.match(first, { method: 'POST', url: '/oauth/token' })
  t.match(second, { method: 'GET', url: raw, headers: { 'x-test': 'yes', authorization: `Bearer ${token}` } })
})
