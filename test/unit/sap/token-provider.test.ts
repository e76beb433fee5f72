import t from 'tap'
import { refreshDelayMs, TokenProvider, TokenUnavailableError, type IssuedToken } from '../../../src/sap/token-provider.js'

function fakeClock (start = 1_000_000) {
  let now = start
  return { now: () => now, advance: (ms: number) => { now += ms } }
}

/** A token endpoint stand-in whose answers the test controls, counting calls. */
function tokenSource (expiresIn = 3600) {
  const state = { calls: 0, failWith: undefined as Error | undefined, release: undefined as (() => void) | undefined, hold: false }
  const fetchToken = async (): Promise<IssuedToken> => {
    state.calls++
    if (state.hold) await new Promise<void>((resolve) => { state.release = resolve })
    if (state.failWith) throw state.failWith
    return { accessToken: `token-${state.calls}`, expiresIn }
  }
  return { state, fetchToken }
}

t.test('refresh point: max(60 s, 10 %) before expiry, never in the first half', async (t) => {
  t.equal(refreshDelayMs(43_199_000), 43_199_000 - 4_319_900)
  t.equal(refreshDelayMs(300_000), 240_000)
  t.equal(refreshDelayMs(5_000), 2_500, 'a 5 s token lives 2.5 s, not 0')
  t.equal(refreshDelayMs(100_000), 50_000)
})

t.test('concurrent callers share one token request', async (t) => {
  const clock = fakeClock()
  const source = tokenSource()
  source.state.hold = true
  const provider = new TokenProvider({ fetchToken: source.fetchToken, now: clock.now })
  const callers = Array.from({ length: 100 }, () => provider.get())
  await new Promise((resolve) => setImmediate(resolve))
  source.state.release?.()
  const tokens = await Promise.all(callers)
  t.equal(source.state.calls, 1)
  t.same(new Set(tokens), new Set(['token-1']))
})

t.test('a cached token is reused until its refresh point, then refreshed in the background', async (t) => {
  const clock = fakeClock()
  const source = tokenSource(300)
  const provider = new TokenProvider({ fetchToken: source.fetchToken, now: clock.now })
  t.equal(await provider.get(), 'token-1')
  clock.advance(239_000)
  t.equal(await provider.get(), 'token-1')
  t.equal(source.state.calls, 1)
  clock.advance(2_000)
  t.equal(await provider.get(), 'token-1', 'the still-valid token answers while the refresh runs')
  await new Promise((resolve) => setImmediate(resolve))
  t.equal(source.state.calls, 2)
  t.equal(await provider.get(), 'token-2')
  t.equal(provider.status().refreshCount, 2)
})

t.test('a failed refresh keeps the valid token serving and backs off', async (t) => {
  const clock = fakeClock()
  const source = tokenSource(300)
  const provider = new TokenProvider({ fetchToken: source.fetchToken, now: clock.now, baseBackoffMs: 1000, maxBackoffMs: 4000 })
  await provider.get()
  clock.advance(250_000)
  source.state.failWith = new Error('token endpoint answered 503')
  t.equal(await provider.get(), 'token-1')
  await new Promise((resolve) => setImmediate(resolve))
  t.equal(source.state.calls, 2)
  t.equal(await provider.get(), 'token-1', 'within the back-off no new fetch is made')
  t.equal(source.state.calls, 2)
  t.ok(provider.failing)
  t.equal(provider.status().lastError, 'token endpoint answered 503')
  clock.advance(1000)
  await provider.get()
  await new Promise((resolve) => setImmediate(resolve))
  t.equal(source.state.calls, 3, 'retried once the back-off has passed')
})

t.test('with no valid token, callers get a typed error with Retry-After, and back-off is capped', async (t) => {
  const clock = fakeClock()
  const source = tokenSource()
  source.state.failWith = new Error('token endpoint unreachable')
  const provider = new TokenProvider({ fetchToken: source.fetchToken, now: clock.now, baseBackoffMs: 1000, maxBackoffMs: 4000 })
  const waits: number[] = []
  for (let i = 0; i < 5; i++) {
    const err = await provider.get().catch((e) => e)
    t.type(err, TokenUnavailableError)
    waits.push(err.retryAfterSeconds)
    const early = await provider.get().catch((e) => e)
    t.type(early, TokenUnavailableError, 'inside the back-off: fails fast, no fetch')
    clock.advance(err.retryAfterSeconds * 1000)
  }
  t.same(waits, [1, 2, 4, 4, 4])
  t.equal(source.state.calls, 5)
  source.state.failWith = undefined
  t.equal(await provider.get(), 'token-6', 'recovers by itself')
  t.notOk(provider.failing)
  t.equal(provider.status().lastError, null)
})

t.test('invalidate drops only the refused token', async (t) => {
  const clock = fakeClock()
  const source = tokenSource()
  const provider = new TokenProvider({ fetchToken: source.fetchToken, now: clock.now })
  t.equal(await provider.get(), 'token-1')
  provider.invalidate('some-older-token')
  t.equal(await provider.get(), 'token-1')
  provider.invalidate('token-1')
  t.equal(await provider.get(), 'token-2')
})

t.test('an expired token is never handed out', async (t) => {
  const clock = fakeClock()
  const source = tokenSource(5)
  const provider = new TokenProvider({ fetchToken: source.fetchToken, now: clock.now })
  await provider.get()
  clock.advance(5_000)
  t.equal(provider.status().hasToken, false)
  t.equal(await provider.get(), 'token-2')
})

t.test('status reports the contract fields and never the token', async (t) => {
  const clock = fakeClock(Date.parse('2026-01-01T00:00:00Z'))
  const source = tokenSource(3600)
  const provider = new TokenProvider({ fetchToken: source.fetchToken, now: clock.now })
  t.same(provider.status(), { hasToken: false, expiresAt: null, expiresInSeconds: null, lastRefreshAt: null, refreshCount: 0, lastError: null })
  await provider.get()
  clock.advance(600_000)
  const status = provider.status()
  t.same(status, {
    hasToken: true,
    expiresAt: '2026-01-01T01:00:00.000Z',
    expiresInSeconds: 3000,
    lastRefreshAt: '2026-01-01T00:00:00.000Z',
    refreshCount: 1,
    lastError: null
  })
  t.notMatch(JSON.stringify(status), /token-1/)
})
