import closeWithGrace from 'close-with-grace'
import Fastify from 'fastify'
import app from './app.js'
import { collectSettings, ConfigError } from './config.js'
import { loggerOptions } from './logger.js'
import { serverOptions } from './server-options.js'

const DRAIN_DEADLINE_MS = 25_000

// The only place that reads the process environment and listens.
const settings = collectSettings({ env: process.env })
const pretty = (settings.ENVIRONMENT ?? 'development') === 'development' && process.stdout.isTTY
const fastify = Fastify({ ...serverOptions(), logger: loggerOptions({ level: settings.LOG_LEVEL, pretty }) })

try {
  await fastify.register(app, { settings })
  await fastify.ready()
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`sap-is-proxy: ${err.message}\n`)
  } else {
    fastify.log.fatal({ err }, 'sap-is-proxy could not start')
  }
  process.exit(1)
}

closeWithGrace({ delay: DRAIN_DEADLINE_MS }, async ({ signal, err }) => {
  if (err) fastify.log.error({ err }, 'closing after an uncaught error')
  else fastify.log.info({ signal }, 'closing: draining requests in flight')
  await fastify.close()
})

const address = await fastify.listen({ port: fastify.config.PORT, host: fastify.config.HOST })
if (fastify.sandbox) {
  fastify.log.info(`sap-is-proxy on ${address}, serving the built-in sandbox tenant. For a real tenant set SAP_BASE_URL, SAP_TOKEN_URL, SAP_CLIENT_ID and SAP_CLIENT_SECRET (or SAP_SERVICE_KEY=<service-key.json>).`)
} else {
  fastify.log.info(`sap-is-proxy on ${address}, serving tenant ${fastify.tenant.label}.`)
}
