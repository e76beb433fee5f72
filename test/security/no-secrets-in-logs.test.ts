import { Writable } from 'node:stream'
import t from 'tap'
import { shortHash } from '../../src/auth/api-keys.js'
import { FAKE_CLIENT_SECRET, startFakeSap } from '../fixtures/fake-sap.js'
import { issueToken, signingKey, startJwksServer, TEST_AUDIENCE, TEST_ISSUER } from '../fixtures/jwks-server.js'
import { listen } from '../helper.js'

const KEY = 'log-test-api-key-SECRET-0123456789'
const WRONG_KEY = 'guessed-api-key-SECRET-9876543210'
const CALLER_COOKIE = 'caller-cookie-SECRET-value'
const SAP_COOKIE = 'sap-session-cookie-SECRET-value'
const SAP_CSRF = 'sap-csrf-token-SECRET-value'
const BODY_SECRET = 'body-client-secret-SECRET-value'

t.test('a run through authentication, errors and the passthrough logs no credential, token, secret or cookie', async (t) => {
  const lines: string[] = []
  const logStream = new Writable({ write (chunk, _encoding, done) { lines.push(...chunk.toString().split('\n').filter(Boolean)); done() } })
  const sap = await startFakeSap()
  t.teardown(() => sap.close())
  sap.handler = (req, res) => {
    if (req.url?.includes('Broken')) {
      res.writeHead(500, { 'content-type': 'application/json', 'set-cookie': `JSESSIONID=${SAP_COOKIE}` }).end('{"error":{"message":{"value":"boom"}}}')
      return
    }
    res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': `JSESSIONID=${SAP_COOKIE}; Path=/; HttpOnly`, 'x-csrf-token': SAP_CSRF })
    res.end('{"d":{"results":[]}}')
  }
  const key = await signingKey('log-key')
  const jwks = await startJwksServer(t, [key])
  const { app, url } = await listen(t, {
    ...sap.settings,
    API_KEYS: KEY,
    AUTH_JWKS_URL: jwks.url,
    AUTH_ISSUER: TEST_ISSUER,
    AUTH_AUDIENCE: TEST_AUDIENCE,
    RATE_LIMIT_MAX: '40',
    LOG_LEVEL: 'trace'
  }, { logStream, logLevel: 'trace' })
  const jwt = await issueToken(key)
  const expired = await issueToken(key, { expiresIn: -600 })

  const send = async (path: string, init: RequestInit = {}) => {
    const response = await fetch(`${url}${path}`, init)
    await response.arrayBuffer()
    return response.status
  }
  const statuses = [
    await send('/api/sap/IntegrationPackages', { headers: { 'x-api-key': KEY, cookie: `session=${CALLER_COOKIE}`, 'x-csrf-token': 'Fetch' } }),
    await send('/api/v1/IntegrationPackages?$top=1', { headers: { authorization: `Bearer ${KEY}`, cookie: `session=${CALLER_COOKIE}` } }),
    await send('/api/sap/IntegrationPackages', { headers: { authorization: `Bearer ${jwt}` } }),
    await send('/api/sap/Broken', { headers: { authorization: `Bearer ${jwt}` } }),
    await send('/api/sap/IntegrationPackages', { headers: { 'x-api-key': WRONG_KEY, cookie: `session=${CALLER_COOKIE}` } }),
    await send('/api/sap/IntegrationPackages', { headers: { authorization: `Bearer ${expired}` } }),
    await send('/api/sap/IntegrationPackages', { headers: { authorization: `Basic ${Buffer.from(`user:${KEY}`).toString('base64')}` } }),
    await send('/api/sap/IntegrationPackages', { method: 'DELETE', headers: { 'x-api-key': KEY } }),
    await send('/no-such-route', { headers: { 'x-api-key': KEY } }),
    await send('/api/config', { headers: { 'x-api-key': KEY } }),
    await send('/api/sap/token-status', { headers: { 'x-api-key': KEY } }),
    await send('/api/sap/refresh-token', { method: 'POST', headers: { 'x-api-key': KEY } }),
    await send('/api/tenants/test-connection', { method: 'POST', headers: { 'x-api-key': KEY, 'content-type': 'application/json' }, body: JSON.stringify({ baseUrl: sap.url, tokenUrl: sap.tokenUrl, clientId: 'another-client', clientSecret: BODY_SECRET }) }),
    await send('/api/tenants/test-connection', { method: 'POST', headers: { 'x-api-key': KEY, 'content-type': 'application/json' }, body: `{"clientSecret": "${BODY_SECRET}"` }),
    await send('/health'),
    await send('/metrics', { headers: { 'x-api-key': KEY } })
  ]
  for (let i = 0; i < 40; i++) statuses.push(await send('/api/config', { headers: { 'x-api-key': KEY } }))
  await app.close()

  t.ok(statuses.includes(200) && statuses.includes(401) && statuses.includes(404) && statuses.includes(429), `a mix of answers: ${[...new Set(statuses)].join(', ')}`)
  t.ok(sap.requests.length >= 4, 'the passthrough reached SAP')
  t.ok(lines.length > 50, `${lines.length} log lines captured`)
  t.ok(lines.some((line) => line.includes(`key:${shortHash(KEY)}`)), 'callers appear by their short hash')

  const log = lines.join('\n')
  const secrets: Record<string, string> = {
    'API key': KEY,
    'guessed API key': WRONG_KEY,
    'API key in base64 (Basic auth)': Buffer.from(`user:${KEY}`).toString('base64'),
    JWT: jwt,
    'JWT signature': jwt.split('.')[2]!,
    'expired JWT signature': expired.split('.')[2]!,
    'SAP access token': 'fake-token-',
    'SAP client secret': FAKE_CLIENT_SECRET,
    'client secret from a request body': BODY_SECRET,
    'caller cookie': CALLER_COOKIE,
    'SAP session cookie': SAP_COOKIE,
    'SAP CSRF token': SAP_CSRF
  }
  for (const [name, secret] of Object.entries(secrets)) {
    const line = lines.find((candidate) => candidate.includes(secret))
    t.notOk(line, `no ${name} in the logs${line ? `: ${line.slice(0, 300)}` : ''}`)
  }
  t.notOk(/SECRET/.test(log), 'nothing marked SECRET anywhere')
})
