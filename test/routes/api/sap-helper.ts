import type { FastifyInstance } from 'fastify'
import type { Sandbox } from '../../../src/sandbox/index.js'

/** The sandbox the app started (these tests configure no tenant). */
export function sandboxOf (app: FastifyInstance): Sandbox {
  if (!app.sandbox) throw new Error('this test needs the built-in sandbox')
  return app.sandbox
}

/** Request targets the sandbox's API received (token requests left out), from `from` on. */
export function apiCalls (sandbox: Sandbox, from = 0): string[] {
  return sandbox.stats.requests.slice(from).map((request) => request.url).filter((url) => url.startsWith('/api/v1/'))
}

/**
 * Arrival times of the sandbox's API requests. The sandbox records each request first thing in
 * its `onRequest` hook; wrapping the log's `push` timestamps them as they arrive.
 */
export function recordArrivals (sandbox: Sandbox): Array<{ at: number, url: string }> {
  const arrivals: Array<{ at: number, url: string }> = []
  const log = sandbox.stats.requests
  const push = log.push.bind(log)
  log.push = (...items) => {
    for (const item of items) if (item.url.startsWith('/api/v1/')) arrivals.push({ at: performance.now(), url: item.url })
    return push(...items)
  }
  return arrivals
}

/** The most arrivals inside any window of `windowMs` starting at an arrival. */
export function peakInWindow (times: number[], windowMs = 1000): number {
  const sorted = [...times].sort((a, b) => a - b)
  let peak = 0
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (j < sorted.length && (sorted[j] as number) < (sorted[i] as number) + windowMs) j++
    peak = Math.max(peak, j - i)
  }
  return peak
}
