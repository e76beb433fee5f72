import { FastifyOtelInstrumentation } from '@fastify/otel'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { registerInstrumentations } from '@opentelemetry/instrumentation'
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { BatchSpanProcessor, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base'
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node'
import { PRODUCT_VERSION } from '../version.js'
import { UNMATCHED_ROUTE } from './request-context.js'

/** Probes and scrapes polled every few seconds: tracing them would bury the traces that matter. */
const UNTRACED_PATHS = new Set(['/metrics', '/health/live', '/health/ready'])
const HTTP_URL = /^https?:\/\/[^\s/?#]+[^\s]*$/

export interface TracingOptions {
  /** `OTEL_EXPORTER_OTLP_ENDPOINT`: the collector's base url; spans go to `<endpoint>/v1/traces` as OTLP/HTTP. */
  endpoint?: string | undefined
  /** `OTEL_SERVICE_NAME`; `sap-is-proxy` by default. */
  serviceName?: string | undefined
  /** Instead of OTLP, an exporter fed span by span (tests pass the SDK's in-memory one). */
  exporter?: SpanExporter
}

export interface Tracing {
  forceFlush (): Promise<void>
  /** Stops the instrumentations and sends what is still buffered. */
  shutdown (): Promise<void>
}

/** `<endpoint>/v1/traces`, as the OTLP exporter itself derives it from `OTEL_EXPORTER_OTLP_ENDPOINT`. */
export function tracesUrl (endpoint: string): string {
  return `${endpoint.replace(/\/+$/, '')}/v1/traces`
}

/**
 * OpenTelemetry tracing: a span per incoming request (@fastify/otel, named `<METHOD> <route
 * pattern>`, with the request id as `sap_proxy.request_id`) and per outgoing call to SAP
 * (undici's instrumentation, which also writes `traceparent` into the request at the dispatcher,
 * after the passthrough's header allowlist, so SAP receives the trace context). Both subscribe to
 * diagnostics channels, which Fastify and undici publish on also under ESM, so this must run
 * before the Fastify instance is created, not before Fastify is imported.
 *
 * Loaded only through a dynamic import when `OTEL_EXPORTER_OTLP_ENDPOINT` is set (see
 * src/server.ts): without it, no SDK or instrumentation module is loaded. The SDK reads its
 * standard `OTEL_*` variables as usual (`OTEL_EXPORTER_OTLP_HEADERS` for a collector's credentials,
 * `OTEL_BSP_*` for batching).
 */
export function startTracing (options: TracingOptions): Tracing {
  let exporter = options.exporter
  if (!exporter) {
    // A malformed endpoint is the config plugin's to report, in its one-line form.
    if (!options.endpoint || !HTTP_URL.test(options.endpoint)) return { forceFlush: async () => {}, shutdown: async () => {} }
    exporter = new OTLPTraceExporter({ url: tracesUrl(options.endpoint) })
  }
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName ?? 'sap-is-proxy', 'service.version': PRODUCT_VERSION }),
    spanProcessors: [options.exporter ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(exporter)]
  })
  // The global tracer provider, an AsyncLocalStorage context manager and the W3C propagators.
  provider.register()
  const unregister = registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new UndiciInstrumentation(),
      new FastifyOtelInstrumentation({
        registerOnInitialization: true,
        instrumentHooks: false, // one span per request and its handler, not one per hook
        ignorePaths: ({ url }) => UNTRACED_PATHS.has(url.split('?', 1)[0]!),
        requestHook: (span, request) => {
          span.updateName(`${request.method} ${request.routeOptions.url ?? UNMATCHED_ROUTE}`)
          span.setAttribute('sap_proxy.request_id', request.id)
        }
      })
    ]
  })
  return {
    forceFlush: () => provider.forceFlush(),
    shutdown: async () => {
      unregister()
      await provider.shutdown()
    }
  }
}
