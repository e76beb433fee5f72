import closeWithGrace from 'close-with-grace'
import Fastify from 'fastify'
import app from './app.js'
import { collectSettings, ConfigError } from './config.js'
import { connectionDrain } from './connection-drain.js'
import { loggerOptions } from './logger.js'
import { serverOptions } from './server-options.js'

const DRAIN_DEADLINE_MS = 25_000

// The only place that reads the process environment and listens.
const settings = collectSettings({ env: process.env })
const pretty = (settings.ENVIRONMENT ?? 'development') === 'development' && process.stdout.isTTY
// Tracing before the Fastify instance exists: @fastify/otel and undici's instrumentation hook in
// through diagnostics channels when the instance is created and when requests are made (no module
// patching, so importing Fastify earlier is fine). Loaded only when asked for: without a collector
// no OpenTelemetry SDK code runs.
const tracing = settings.OTEL_EXPORTER_OTLP_ENDPOINT
  ? (await import('./observability/tracing.js')).startTracing({ endpoint: settings.OTEL_EXPORTER_OTLP_ENDPOINT, serviceName: settings.OTEL_SERVICE_NAME })
  : undefined
const fastify = Fastify({ ...serverOptions(settings), logger: loggerOptions({ level: settings.LOG_LEVEL, pretty }) })
const drain = connectionDrain(fastify.server)

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
  drain.closeIdle()
  await fastify.close()
  await tracing?.shutdown() // sends the spans still buffered
})

const startupLine = (address: string): string => fastify.sandbox
  ? `sap-is-proxy on ${address}, serving the built-in sandbox tenant. For a real tenant set SAP_BASE_URL, SAP_TOKEN_URL, SAP_CLIENT_ID and SAP_CLIENT_SECRET (or SAP_SERVICE_KEY=<service-key.json>).`
  : `sap-is-proxy on ${address}, serving tenant ${fastify.tenant.label}.`
await fastify.listen({ port: fastify.config.PORT, host: fastify.config.HOST, listenTextResolver: startupLine })
