import t from 'tap'
import { parseWindow } from '../../plugins/rate-limit.js'
import { listen } from '../helper.js'

const KEY_A = 'caller-a-key-0123456789'
const KEY_B = 'caller-b-key-0123456789'

async function hit (url: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { headers })
  const body = await response.text()
  return { status: response.status, headers: response.headers, body: body.startsWith('{') ? JSON.parse(body) as Record<string, unknown> : body }
}

t.test('429 in the contract shape with Retry-After and RateLimit-* headers', async (t) => {
  const { url } = await listen(t, { API_KEYS: KEY_A, RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW: '1 minute' })
  for (let i = 1; i <= 3; i++) {
    const response = await hit(`${url}/api/config`, { 'x-api-key': KEY_A })
    t.equal(response.status, 200)
    t.equal(response.headers.get('ratelimit-limit'), '3')
    t.equal(response.headers.get('ratelimit-remaining'), String(3 - i))
    t.ok(Number(response.headers.get('ratelimit-reset')) > 0)
  }
  const limited = await hit(`${url}/api/config`, { 'x-api-key': KEY_A })
  t.equal(limited.status, 429)
  t.equal(limited.headers.get('x-error-source'), 'proxy')
  t.ok(Number(limited.headers.get('retry-after')) > 0 && Number(limited.headers.get('retry-after')) <= 60, 'Retry-After in seconds')
  t.equal(limited.headers.get('ratelimit-remaining'), '0')
  t.match(limited.body, { statusCode: 429, error: 'Too Many Requests', code: 'SAP_PROXY_RATE_LIMITED', message: /^Rate limit exceeded, retry in \d+ s$/, requestId: String })
})

t.test('/ and the health probes are exempt; unknown routes and failed logins count', async (t) => {
  const { url } = await listen(t, { API_KEYS: KEY_A, RATE_LIMIT_MAX: '3' })
  for (let i = 0; i < 10; i++) {
    for (const path of ['/', '/health', '/health/live', '/health/ready']) {
      const response = await hit(`${url}${path}`)
      t.not(response.status, 429)
      t.equal(response.headers.get('ratelimit-limit'), null, `${path} is not counted`)
    }
  }
  t.equal((await hit(`${url}/no-such-route`)).headers.get('ratelimit-remaining'), '2', 'an unknown route counts')
  t.equal((await hit(`${url}/api/config`, { 'x-api-key': 'wrong-key-0123456789' })).status, 401)
  t.equal((await hit(`${url}/api/config`, { 'x-api-key': 'other-wrong-key-012345' })).status, 401)
  t.equal((await hit(`${url}/api/config`, { 'x-api-key': 'third-wrong-key-012345' })).status, 429, 'guessing keys is limited by address')
})

t.test('buckets: per authenticated caller, else per client address', async (t) => {
  const { url } = await listen(t, { API_KEYS: `${KEY_A},${KEY_B}`, RATE_LIMIT_MAX: '2' })
  t.equal((await hit(`${url}/api/config`, { 'x-api-key': KEY_A })).status, 200)
  t.equal((await hit(`${url}/api/config`, { 'x-api-key': KEY_A })).status, 200)
  t.equal((await hit(`${url}/api/config`, { 'x-api-key': KEY_A })).status, 429, 'caller A is done')
  t.equal((await hit(`${url}/api/config`, { authorization: `Bearer ${KEY_B}` })).status, 200, 'caller B on the same address is not')
  t.equal((await hit(`${url}/api/config`)).status, 401, 'an anonymous request has the address bucket')
})

t.test('spoofed X-Forwarded-For without TRUST_PROXY: a flood makes exactly one bucket', async (t) => {
  const max = 5
  const { url } = await listen(t, { RATE_LIMIT_MAX: String(max) })
  const remaining: string[] = []
  const statuses: number[] = []
  for (let i = 0; i < 20; i++) {
    const response = await hit(`${url}/no-such-route`, { 'x-forwarded-for': `203.0.113.${i}, 198.51.100.${i}`, forwarded: `for=192.0.2.${i}`, 'x-real-ip': `192.0.2.${i}` })
    remaining.push(response.headers.get('ratelimit-remaining') ?? '')
    statuses.push(response.status)
  }
  t.same(remaining.slice(0, max), ['4', '3', '2', '1', '0'], 'every spoofed address drew from the same bucket')
  t.same(statuses.slice(max), Array(20 - max).fill(429), 'and all the rest were limited')
})

t.test('TRUST_PROXY: X-Forwarded-For believed only from the listed load balancer', async (t) => {
  const { url: trusted } = await listen(t, { RATE_LIMIT_MAX: '2', TRUST_PROXY: '127.0.0.1' })
  for (let i = 0; i < 5; i++) {
    const response = await hit(`${trusted}/no-such-route`, { 'x-forwarded-for': `203.0.113.${i}` })
    t.equal(response.headers.get('ratelimit-remaining'), '1', `client ${i} behind the trusted balancer has its own bucket`)
  }
  const { url: untrusted } = await listen(t, { RATE_LIMIT_MAX: '2', TRUST_PROXY: '10.9.9.9' })
  const first = await hit(`${untrusted}/no-such-route`, { 'x-forwarded-for': '203.0.113.1' })
  const second = await hit(`${untrusted}/no-such-route`, { 'x-forwarded-for': '203.0.113.2' })
  t.same([first.headers.get('ratelimit-remaining'), second.headers.get('ratelimit-remaining')], ['1', '0'], 'a peer that is not listed cannot choose its bucket')
})

t.test('RATE_LIMIT_WINDOW durations', async (t) => {
  t.equal(parseWindow('1 minute'), 60_000)
  t.equal(parseWindow('30 s'), 30_000)
  t.equal(parseWindow('2 hours'), 7_200_000)
  t.equal(parseWindow('1500'), 1500)
  t.equal(parseWindow('1d'), 86_400_000)
  t.throws(() => parseWindow('0 s'))
  t.throws(() => parseWindow('a while'))
})
