import Fastify, { type FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import app, { type AppOptions } from '../src/app.js'
import type { SettingSource } from '../src/config.js'
import { loggerOptions } from '../src/logger.js'
import { serverOptions } from '../src/server-options.js'

export interface Teardown { teardown (fn: () => unknown): void }

export interface BuildOptions extends Omit<AppOptions, 'settings'> {
  /** A pino destination: tests that read every log line pass one. */
  logStream?: NodeJS.WritableStream
  logLevel?: string
}

/** Settings for tests: explicit, never from the process environment or a `.env` file. */
export function testSettings (settings: SettingSource = {}): SettingSource {
  // A high rate limit, so suites that send many requests do not trip it; the rate-limit tests set their own.
  return { ENVIRONMENT: 'test', LOG_LEVEL: 'silent', RATE_LIMIT_MAX: '1000000', ...settings }
}

/** Builds the real app (with the built-in sandbox unless a tenant is set) and closes it after the test. */
export async function build (t: Teardown, settings: SettingSource = {}, options: BuildOptions = {}): Promise<FastifyInstance> {
  const { logStream, logLevel, ...appOptions } = options
  const logger = logStream ? { ...loggerOptions({ level: logLevel ?? 'trace', pretty: false }), stream: logStream } : false
  const merged = testSettings(settings)
  const fastify = Fastify({ ...serverOptions(merged), logger })
  t.teardown(() => fastify.close()) // also after a failed start: what had started (the sandbox) is closed
  await fastify.register(fp(app), { settings: merged, ...appOptions })
  await fastify.ready()
  return fastify
}

/** Builds the app and listens on a free loopback port, for tests that need real HTTP. */
export async function listen (t: Teardown, settings: SettingSource = {}, options: BuildOptions = {}): Promise<{ app: FastifyInstance, url: string }> {
  const fastify = await build(t, settings, options)
  const url = await fastify.listen({ port: 0, host: '127.0.0.1' })
  return { app: fastify, url }
}
