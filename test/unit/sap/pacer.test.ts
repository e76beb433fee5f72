import t from 'tap'
import { Pacer, PacerClosedError } from '../../../src/sap/pacer.js'

const tick = () => new Promise((resolve) => setTimeout(resolve, 0))

t.test('starts are spaced evenly: never more than the rate in any one-second window', async (t) => {
  const pacer = new Pacer({ ratePerSecond: 20, maxInFlight: 100 })
  const starts: number[] = []
  await Promise.all(Array.from({ length: 30 }, () => pacer.run(async () => { starts.push(performance.now()) })))
  t.equal(starts.length, 30)
  // Measured in the callbacks, which run a little after the pacer's own start time: allow that jitter.
  for (let i = 1; i < starts.length; i++) t.ok(starts[i]! - starts[i - 1]! >= 47, `start ${i} is ${(starts[i]! - starts[i - 1]!).toFixed(1)} ms after the one before`)
  t.ok(starts.at(-1)! - starts[0]! >= 29 * 50 - 2, 'the whole run takes (n - 1) intervals')
  for (const start of starts) t.ok(starts.filter((other) => other >= start && other < start + 1000).length <= 20, 'no window holds more than 20')
})

t.test('at most maxInFlight run at once, first come first served', async (t) => {
  const pacer = new Pacer({ ratePerSecond: 1000, maxInFlight: 2 })
  let running = 0
  let peak = 0
  const order: number[] = []
  await Promise.all(Array.from({ length: 8 }, (_, i) => pacer.run(async () => {
    running++
    peak = Math.max(peak, running)
    order.push(i)
    await new Promise((resolve) => setTimeout(resolve, 5))
    running--
  })))
  t.equal(peak, 2)
  t.same(order, [0, 1, 2, 3, 4, 5, 6, 7])
  t.equal(pacer.inFlight, 0)
  t.equal(pacer.queued, 0)
})

t.test('a failing call frees its slot', async (t) => {
  const pacer = new Pacer({ ratePerSecond: 1000, maxInFlight: 1 })
  await t.rejects(pacer.run(async () => { throw new Error('boom') }), /boom/)
  t.equal(await pacer.run(async () => 'next'), 'next')
})

t.test('holdFor pauses every start for that long', async (t) => {
  const pacer = new Pacer({ ratePerSecond: 1000, maxInFlight: 4 })
  const started = performance.now()
  pacer.holdFor(120)
  pacer.holdFor(10) // a shorter hold does not cut a longer one
  const at = await pacer.run(async () => performance.now())
  t.ok(at - started >= 110, `waited ${(at - started).toFixed(0)} ms`)
})

t.test('close refuses queued and new calls, lets running ones finish', async (t) => {
  const pacer = new Pacer({ ratePerSecond: 1, maxInFlight: 1 })
  let release = (): void => {}
  const running = pacer.run(() => new Promise<string>((resolve) => { release = () => resolve('done') }))
  const queued = pacer.run(async () => 'never')
  await tick()
  pacer.close()
  await t.rejects(queued, PacerClosedError)
  await t.rejects(pacer.run(async () => 'late'), PacerClosedError)
  release()
  t.equal(await running, 'done')
})

t.test('options are checked', async (t) => {
  t.throws(() => new Pacer({ ratePerSecond: 0, maxInFlight: 1 }), RangeError)
  t.throws(() => new Pacer({ ratePerSecond: 1, maxInFlight: 0 }), RangeError)
  t.equal(new Pacer({ ratePerSecond: 0.5, maxInFlight: 1 }).intervalMs, 2000, 'fractional rates are fine')
})
