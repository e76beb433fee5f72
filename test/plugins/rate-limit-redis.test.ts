import { Writable } from 'node:stream'
import t from 'tap'
import { redisSkipReason, startRedis } from '../fixtures/redis-server.js'
import { listen } from '../helper.js'

const KEY = 'shared-limit-key-0123456789'
const skip = redisSkipReason()

function logSink () {
  const lines: string[] = []
  const stream = new Writable({ write (chunk, _encoding, done) { lines.push(...chunk.toString().split('\n').filter(Boolean)); done() } })
  return { lines, stream }
}

async function status (url: string, headers: Record<string, string> = { 'x-api-key': KEY }): Promise<{ status: number, remaining: string | null }> {
  const response = await fetch(`${url}/api/config`, { headers })
  await response.arrayBuffer()
  return { status: response.status, remaining: response.headers.get('ratelimit-remaining') }
}

async function waitFor (condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

t.test('two instances sharing Redis hold one global limit', { skip }, async (t) => {
  const redis = await startRedis(t)
  const settings = { REDIS_URL: redis.url, API_KEYS: KEY, RATE_LIMIT_MAX: '6', RATE_LIMIT_WINDOW: '1 minute' }
  const one = await listen(t, settings)
  const two = await listen(t, settings)
  t.equal(one.app.rateLimitStore.kind, 'redis')

  const seen: Array<{ status: number, remaining: string | null }> = []
  for (let i = 0; i < 8; i++) seen.push(await status(i % 2 === 0 ? one.url : two.url))
  t.same(seen.slice(0, 6).map((r) => r.remaining), ['5', '4', '3', '2', '1', '0'], 'alternating instances count in one bucket')
  t.same(seen.map((r) => r.status), [200, 200, 200, 200, 200, 200, 429, 429], 'the seventh request is limited on whichever instance it lands')

  const anonymous = [await status(one.url, {}), await status(two.url, {})]
  t.same(anonymous.map((r) => r.remaining), ['5', '4'], 'the address bucket is shared too')
})

t.test('Redis going away: served with per-instance limits, logged once, back to shared counters by itself', { skip }, async (t) => {
  const redis = await startRedis(t)
  const sink = logSink()
  const settings = { REDIS_URL: redis.url, API_KEYS: KEY, RATE_LIMIT_MAX: '4', RATE_LIMIT_WINDOW: '1 minute' }
  const one = await listen(t, settings, { logStream: sink.stream, logLevel: 'info' })
  const two = await listen(t, settings)
  t.same([(await status(one.url)).remaining, (await status(two.url)).remaining], ['3', '2'], 'shared while Redis is up')

  await redis.stop()
  const during = [await status(one.url), await status(one.url), await status(two.url)]
  t.same(during.map((r) => r.status), [200, 200, 200], 'still serving, no 500, no crash')
  t.same(during.map((r) => r.remaining), ['3', '2', '3'], 'each instance counts on its own meanwhile')
  t.equal(one.app.rateLimitStore.degraded, true)
  const local = [await status(one.url), await status(one.url), await status(one.url)]
  t.same(local.map((r) => r.status), [200, 200, 429], 'the per-instance limit still holds')
  const outageLines = sink.lines.filter((line) => line.includes('Redis is unreachable'))
  t.equal(outageLines.length, 1, 'logged once per outage')
  t.match(outageLines[0], /"level":50/, 'at error level')
  t.notOk(sink.lines.some((line) => line.includes(redis.url)), 'the Redis url (which may carry a password) is not logged')

  await redis.start()
  await waitFor(() => !one.app.rateLimitStore.degraded && !two.app.rateLimitStore.degraded, 10_000)
  t.ok(sink.lines.some((line) => line.includes('Redis answers again')), 'recovery is logged')
  const after = [await status(one.url), await status(two.url)]
  t.same(after.map((r) => r.remaining), ['3', '2'], 'shared again (the restarted Redis starts empty)')
})

t.test('Redis unreachable at start: the proxy starts and limits per instance', { skip }, async (t) => {
  const redis = await startRedis(t)
  await redis.stop()
  const sink = logSink()
  const { app, url } = await listen(t, { REDIS_URL: redis.url, API_KEYS: KEY, RATE_LIMIT_MAX: '2' }, { logStream: sink.stream, logLevel: 'info' })
  t.equal(app.rateLimitStore.degraded, true)
  t.same([(await status(url)).status, (await status(url)).status, (await status(url)).status], [200, 200, 429])
  t.ok(sink.lines.some((line) => line.includes('Redis is unreachable')))
})
