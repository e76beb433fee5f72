import t from 'tap'
import { TokenProvider } from '../../src/sap/token-provider.js'

t.test('TokenProvider tells onFetch the outcome and duration of every token request, single-flight included', async (t) => {
  let now = 1_000
  let fail = false
  const seen: Array<[string, number]> = []
  const provider = new TokenProvider({
    now: () => now,
    baseBackoffMs: 10,
    fetchToken: async () => {
      now += 250
      if (fail) throw new Error('token endpoint answered 503')
      return { accessToken: 'tok', expiresIn: 3600 }
    },
    onFetch: (outcome, durationMs) => { seen.push([outcome, durationMs]) }
  })
  await Promise.all([provider.get(), provider.get(), provider.get()])
  t.same(seen, [['success', 250]], 'three callers, one fetch')
  fail = true
  await t.rejects(provider.refresh())
  t.same(seen, [['success', 250], ['failure', 250]])
  t.equal(provider.status().refreshCount, 1, 'the existing API is unchanged')
})

t.test('without onFetch the provider works as before', async (t) => {
  const provider = new TokenProvider({ fetchToken: async () => ({ accessToken: 'tok', expiresIn: 60 }) })
  t.equal(await provider.get(), 'tok')
})
