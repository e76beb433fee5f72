import t from 'tap'
import { etagMatches, ResultStore, weakEtag } from '../../../src/sap/cache.js'
import { Coalescer } from '../../../src/sap/coalesce.js'

function fakeClock (start = 1_000_000) {
  let now = start
  return { now: () => now, advance: (ms: number) => { now += ms } }
}

t.test('coalescing: callers of one key in flight share one call and its outcome', async (t) => {
  const coalescer = new Coalescer()
  let calls = 0
  let release = (): void => {}
  const slow = () => { calls++; return new Promise<string>((resolve) => { release = () => resolve(`v${calls}`) }) }
  const all = Array.from({ length: 50 }, () => coalescer.run('k', slow))
  t.equal(coalescer.size, 1)
  await new Promise((resolve) => setImmediate(resolve))
  release()
  t.same(new Set(await Promise.all(all)), new Set(['v1']))
  t.equal(calls, 1)
  t.equal(coalescer.size, 0, 'nothing kept once settled')
  t.equal(await coalescer.run('k', async () => 'again'), 'again', 'the next call is a new one')

  const failing = Array.from({ length: 3 }, () => coalescer.run('e', async () => { throw new Error('shared failure') }))
  for (const attempt of failing) await t.rejects(attempt, /shared failure/)
  t.equal(await coalescer.run('e', async () => 'recovered'), 'recovered', 'a failure is not remembered')
  await t.rejects(coalescer.run('sync', () => { throw new Error('sync throw') }), /sync throw/, 'a synchronous throw becomes a rejection')
})

t.test('without a TTL nothing is cached, but identical calls in flight are shared', async (t) => {
  const store = new ResultStore({ ttlMs: 0 })
  let calls = 0
  const produce = async () => ({ n: ++calls })
  const [a, b] = await Promise.all([store.get('k', produce), store.get('k', produce)])
  t.equal(calls, 1)
  t.equal(a, b)
  await store.get('k', produce)
  t.equal(calls, 2)
  t.equal(store.size, 0)
})

t.test('with a TTL a result is served again until it expires; refresh bypasses it', async (t) => {
  const clock = fakeClock()
  const store = new ResultStore({ ttlMs: 1000, now: clock.now })
  let calls = 0
  const produce = async () => ({ n: ++calls })
  const first = await store.get('k', produce)
  clock.advance(999)
  t.equal(await store.get('k', produce), first, 'cached')
  const refreshed = await store.get('k', produce, { refresh: true })
  t.equal(refreshed.value.n, 2, 'refresh asks again')
  t.equal(await store.get('k', produce), refreshed, 'and replaces the cached one')
  clock.advance(1000)
  t.equal((await store.get('k', produce)).value.n, 3, 'expired')
  await t.rejects(store.get('bad', async () => { throw new Error('no') }))
  t.equal(store.size, 1, 'failures are not cached')
})

t.test('the cache is bounded', async (t) => {
  const store = new ResultStore({ ttlMs: 60_000, maxEntries: 3 })
  for (let i = 0; i < 10; i++) await store.get(`k${i}`, async () => i)
  t.equal(store.size, 3)
  let asked = false
  await store.get('k0', async () => { asked = true; return 0 })
  t.ok(asked, 'the oldest were dropped')
})

t.test('ETags: weak, stable for equal content, chosen part only', async (t) => {
  t.match(weakEtag({ a: 1 }), /^W\/"[A-Za-z0-9_-]{27}"$/)
  t.equal(weakEtag({ a: 1 }), weakEtag({ a: 1 }))
  t.not(weakEtag({ a: 1 }), weakEtag({ a: 2 }))
  const clock = fakeClock()
  const store = new ResultStore({ ttlMs: 0, now: clock.now })
  const etagOf = (value: { at: number, data: string }) => ({ ...value, at: undefined })
  const one = await store.get('k', async () => ({ at: clock.now(), data: 'x' }), { etagOf })
  clock.advance(5)
  const two = await store.get('k', async () => ({ at: clock.now(), data: 'x' }), { etagOf })
  t.not(one.value.at, two.value.at)
  t.equal(one.etag, two.etag, 'a timestamp left out of the ETag does not change it')
})

t.test('If-None-Match uses the weak comparison', async (t) => {
  const etag = 'W/"abc"'
  t.ok(etagMatches('W/"abc"', etag))
  t.ok(etagMatches('"abc"', etag))
  t.ok(etagMatches('"x", W/"abc"', etag))
  t.ok(etagMatches('*', etag))
  t.notOk(etagMatches('"abcd"', etag))
  t.notOk(etagMatches(undefined, etag))
  t.notOk(etagMatches('', etag))
})
