import t from 'tap'
import { client, sleep, start } from './helper.js'

t.test('with pacing, more than 15 design-time requests per second get 429', async t => {
  const sandbox = await start(t, { pacing: true })
  const api = await client(sandbox)
  const results = await Promise.all(Array.from({ length: 25 }, async () => api('/api/v1/IntegrationPackages?$top=1')))
  const statuses = results.map(r => r.status)
  t.equal(statuses.filter(s => s === 200).length, 15)
  t.equal(statuses.filter(s => s === 429).length, 10)
  const rejected = results.find(r => r.status === 429)
  t.same(rejected?.json(), { error: { code: 'Too Many Requests', message: { lang: 'en', value: 'Too many requests' } } })

  const logs = await Promise.all(Array.from({ length: 20 }, async () => api('/api/v1/MessageProcessingLogs?$top=1')))
  t.ok(logs.every(r => r.status === 200), 'message processing logs have their own, higher limit')

  await sleep(1050)
  t.equal((await api('/api/v1/IntegrationPackages?$top=1')).status, 200, 'the window slides')
})

t.test('without pacing there is no limit, and pacing can be switched on at runtime', async t => {
  const sandbox = await start(t)
  const api = await client(sandbox)
  const results = await Promise.all(Array.from({ length: 30 }, async () => api('/api/v1/IntegrationPackages?$top=1')))
  t.ok(results.every(r => r.status === 200))
  sandbox.options.pacing = true
  const paced = await Promise.all(Array.from({ length: 20 }, async () => api('/api/v1/IntegrationPackages?$top=1')))
  t.ok(paced.some(r => r.status === 429))
})
