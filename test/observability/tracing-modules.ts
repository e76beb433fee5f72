/** The OpenTelemetry SDK and instrumentation packages: loaded with OTEL_EXPORTER_OTLP_ENDPOINT only. */
export const TRACING_MODULES = [
  '@fastify/otel',
  '@opentelemetry/sdk-trace-node',
  '@opentelemetry/sdk-trace-base',
  '@opentelemetry/exporter-trace-otlp-http',
  '@opentelemetry/instrumentation-undici',
  '@opentelemetry/instrumentation'
]
