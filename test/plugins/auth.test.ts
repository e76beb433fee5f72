import { Writable } from 'node:stream'
import { SignJWT } from 'jose'
import t from 'tap'
import { rawRequest } from '../fixtures/raw-http.js'
import { startFakeSap } from '../fixtures/fake-sap.js'
import { issueToken, signingKey, startJwksServer, tamperedToken, TEST_AUDIENCE, TEST_ISSUER, unsignedToken } from '../fixtures/jwks-server.js'
import { build, listen } from '../helper.js'

const KEY = 'k3y-For-The-Front-End-0123456789'
const OTHER_KEY = 'another-callers-key-9876543210'

async function get (url: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { headers })
  return { status: response.status, headers: response.headers, body: await response.json().catch(() => null) as Record<string, unknown> | null }
}

t.test('API keys: X-API-Key or Authorization: Bearer, anything else 401 in the contract shape', async (t) => {
  const { url } = await listen(t, { API_KEYS: `${KEY},${OTHER_KEY}` })
  t.equal((await get(`${url}/api/config`, { 'x-api-key': KEY })).status, 200, 'X-API-Key')
  t.equal((await get(`${url}/api/config`, { authorization: `Bearer ${OTHER_KEY}` })).status, 200, 'Authorization: Bearer, second key')
  t.equal((await get(`${url}/api/config`, { authorization: `bearer ${KEY}` })).status, 200, 'the scheme is case-insensitive')

  const cases: Array<[string, Record<string, string>, RegExp]> = [
    ['no credential', {}, /^Caller authentication required$/],
    ['a wrong key', { 'x-api-key': `${KEY}x` }, /unknown API key/],
    ['a prefix of a key', { 'x-api-key': KEY.slice(0, -1) }, /unknown API key/],
    ['an empty key', { 'x-api-key': '' }, /malformed X-API-Key/],
    ['Basic auth', { authorization: `Basic ${Buffer.from(`user:${KEY}`).toString('base64')}` }, /expected Authorization: Bearer/],
    ['the key without a scheme', { authorization: KEY }, /expected Authorization: Bearer/]
  ]
  for (const [name, headers, message] of cases) {
    const response = await get(`${url}/api/config`, headers)
    t.equal(response.status, 401, `${name}: 401`)
    t.equal(response.headers.get('x-error-source'), 'proxy')
    t.match(response.headers.get('www-authenticate'), /^Bearer realm="sap-is-proxy"/)
    t.match(response.body, { statusCode: 401, error: 'Unauthorized', code: 'SAP_PROXY_UNAUTHENTICATED', message, requestId: String })
    t.notOk(JSON.stringify(response.body).includes(KEY.slice(0, 10)), `${name}: the key is not echoed`)
  }
})

t.test('open and protected routes', async (t) => {
  const { url } = await listen(t, { API_KEYS: KEY })
  // The /status page shell is open and asks for a key; the data it shows comes from protected /api routes.
  for (const path of ['/', '/health', '/health/live', '/health/ready', '/docs', '/docs/json', '/status']) {
    t.not((await get(`${url}${path}`)).status, 401, `${path} is open`)
  }
  for (const path of ['/api/config', '/api/sap/token-status', '/api/sap/IntegrationPackages', '/api/v1/IntegrationPackages', '/metrics', '/no-such-route', '/api/nothing-here']) {
    t.equal((await get(`${url}${path}`)).status, 401, `${path} needs a caller (unknown routes too: no route discovery)`)
  }
  t.equal((await get(`${url}/no-such-route`, { 'x-api-key': KEY })).status, 404, 'an authenticated caller learns that a route does not exist')
  const post = await fetch(`${url}/api/sap/refresh-token`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })
  t.equal(post.status, 401, 'writes too')
})

t.test('/docs is closed like everything else with DOCS_ENABLED=false', async (t) => {
  const { url } = await listen(t, { API_KEYS: KEY, DOCS_ENABLED: 'false' })
  t.equal((await get(`${url}/docs`)).status, 401)
  t.equal((await get(`${url}/docs`, { 'x-api-key': KEY })).status, 404)
})

t.test('JWT callers: verified locally against the JWKS', async (t) => {
  const rsa = await signingKey('rsa-1', 'RS256')
  const ec = await signingKey('ec-1', 'ES256')
  const stranger = await signingKey('not-published', 'RS256')
  const jwks = await startJwksServer(t, [rsa, ec])
  const { url } = await listen(t, { AUTH_JWKS_URL: jwks.url, AUTH_ISSUER: TEST_ISSUER, AUTH_AUDIENCE: TEST_AUDIENCE })
  const call = (token: string) => get(`${url}/api/config`, { authorization: `Bearer ${token}` })

  t.equal((await call(await issueToken(rsa))).status, 200, 'RS256')
  t.equal((await call(await issueToken(ec))).status, 200, 'ES256')
  t.equal((await call(await issueToken(rsa, { expiresIn: -10 }))).status, 200, 'expired 10 s ago: within the clock skew')
  t.equal((await call(await issueToken(rsa, { audience: ['other-app', TEST_AUDIENCE] }))).status, 200, 'our audience among others')

  const validRsa = await issueToken(rsa)
  const hsWithPublicKey = await new SignJWT({ sub: 'attacker' }).setProtectedHeader({ alg: 'HS256', kid: 'rsa-1' })
    .setIssuer(TEST_ISSUER).setAudience(TEST_AUDIENCE).setIssuedAt().setExpirationTime('5m')
    .sign(new TextEncoder().encode(JSON.stringify(rsa.publicJwk)))
  const refused: Array<[string, string, string]> = [
    ['expired', await issueToken(rsa, { expiresIn: -120 }), 'expired'],
    ['not yet valid', await issueToken(rsa, { notBefore: 600 }), 'not yet valid'],
    ['wrong audience', await issueToken(rsa, { audience: 'another-app' }), 'wrong audience'],
    ['wrong issuer', await issueToken(rsa, { issuer: 'https://evil.example/' }), 'wrong issuer'],
    ['issuer differing by a trailing slash', await issueToken(rsa, { issuer: TEST_ISSUER.replace(/\/$/, '') }), 'wrong issuer'],
    ['no exp', await issueToken(rsa, { expiresIn: null }), 'missing claim'],
    ['alg none', unsignedToken(), 'algorithm not allowed'],
    ['HS256 signed with the public key', hsWithPublicKey, 'algorithm not allowed'],
    ['unknown kid', await issueToken(stranger), 'bad signature or unknown key'],
    ['tampered payload', tamperedToken(validRsa, { sub: 'admin' }), 'bad signature or unknown key'],
    ['tampered audience', tamperedToken(await issueToken(rsa, { audience: 'another-app' }), { aud: TEST_AUDIENCE }), 'bad signature or unknown key'],
    ['signature cut off', validRsa.slice(0, validRsa.lastIndexOf('.') + 1), 'bad signature or unknown key'],
    ['not a JWT', 'not-a-jwt-at-all', 'malformed token']
  ]
  for (const [name, token, reason] of refused) {
    const response = await call(token)
    t.equal(response.status, 401, `${name}: 401`)
    t.match(response.body, { code: 'SAP_PROXY_UNAUTHENTICATED', message: `Caller credential rejected: ${reason}` }, name)
    t.match(response.headers.get('www-authenticate'), /error="invalid_token"/)
  }
  t.equal(jwks.fetches, 1, 'unknown kids did not refetch the JWKS within the 30 s cooldown')
  t.equal((await get(`${url}/api/config`, { 'x-api-key': KEY })).status, 401, 'API keys are not accepted when only JWTs are configured')
})

t.test('JWT and API keys side by side', async (t) => {
  const rsa = await signingKey('rsa-1')
  const jwks = await startJwksServer(t, [rsa])
  const { url } = await listen(t, { API_KEYS: KEY, AUTH_JWKS_URL: jwks.url, AUTH_ISSUER: TEST_ISSUER, AUTH_AUDIENCE: TEST_AUDIENCE })
  t.equal((await get(`${url}/api/config`, { authorization: `Bearer ${await issueToken(rsa)}` })).status, 200, 'a JWT')
  t.equal((await get(`${url}/api/config`, { authorization: `Bearer ${KEY}` })).status, 200, 'a key as bearer')
  t.equal((await get(`${url}/api/config`, { 'x-api-key': KEY })).status, 200, 'a key as X-API-Key')
})

t.test('an unreachable JWKS answers 503 with Retry-After, not 401', async (t) => {
  const rsa = await signingKey('rsa-1')
  const jwks = await startJwksServer(t, [rsa])
  jwks.down = true
  const { url } = await listen(t, { AUTH_JWKS_URL: jwks.url, AUTH_ISSUER: TEST_ISSUER, AUTH_AUDIENCE: TEST_AUDIENCE })
  const response = await get(`${url}/api/config`, { authorization: `Bearer ${await issueToken(rsa)}` })
  t.equal(response.status, 503)
  t.equal(response.headers.get('retry-after'), '30')
  t.match(response.body, { code: 'SAP_PROXY_AUTH_UNAVAILABLE' })
  jwks.down = false
  t.equal((await get(`${url}/api/config`, { authorization: `Bearer ${await issueToken(rsa)}` })).status, 200, 'recovers by itself')
})

t.test('the caller\'s credential never reaches SAP', async (t) => {
  const rsa = await signingKey('rsa-1')
  const jwks = await startJwksServer(t, [rsa])
  const sap = await startFakeSap()
  t.teardown(() => sap.close())
  const { url } = await listen(t, { ...sap.settings, API_KEYS: KEY, AUTH_JWKS_URL: jwks.url, AUTH_ISSUER: TEST_ISSUER, AUTH_AUDIENCE: TEST_AUDIENCE })
  const jwt = await issueToken(rsa)
  const credentials: Array<Record<string, string>> = [{ 'x-api-key': KEY }, { authorization: `Bearer ${KEY}` }, { authorization: `Bearer ${jwt}` }]
  for (const headers of credentials) {
    for (const path of ['/api/sap/IntegrationPackages', '/api/v1/IntegrationPackages']) {
      // Sent raw: fetch refuses a Connection header that lists other headers, an attacker's client does not.
      const lines = Object.entries({ ...headers, connection: 'x-api-key, authorization, close', cookie: 'session=caller-cookie' }).map(([name, value]) => `${name}: ${value}`)
      const response = await rawRequest(url, `GET ${path} HTTP/1.1\r\nHost: proxy\r\n${lines.join('\r\n')}\r\n\r\n`)
      t.equal(response.status, 200, `${path} with ${Object.keys(headers)[0]}`)
    }
  }
  t.equal(sap.requests.length, credentials.length * 2)
  for (const received of sap.requests) {
    t.match(received.headers.authorization, /^Bearer fake-token-\d+$/, 'SAP sees the proxy\'s bearer only')
    t.notOk(received.headers['x-api-key'], 'no X-API-Key upstream')
    t.notOk(received.headers.cookie, 'no caller cookie upstream')
    t.notOk(JSON.stringify(received.headers).includes(KEY) || JSON.stringify(received.headers).includes(jwt.slice(0, 40)), 'no trace of the caller credential')
  }
})

t.test('starting without authentication: a warning outside production', async (t) => {
  const lines: string[] = []
  const logStream = new Writable({ write (chunk, _encoding, done) { lines.push(chunk.toString()); done() } })
  await build(t, { ENVIRONMENT: 'development' }, { logStream, logLevel: 'warn' })
  t.ok(lines.some((line) => line.includes('"level":40') && line.includes('No caller authentication configured')), 'warns')
})
