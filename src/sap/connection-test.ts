import type { ConnectionTestResult } from './models.js'

/** The two steps of a connection test: obtain a token, then one cheap API call with it. */
export interface ConnectionProbe {
  token (): Promise<string>
  /** The HTTP status of `IntegrationPackages?$top=1` with the token. */
  api (token: string): Promise<number>
  /** Strings that must never appear in the answer (the body's client secret). */
  secrets?: readonly string[]
}

export const CONNECTION_TEST_PATH = 'IntegrationPackages?$top=1'

function redact (text: string, secrets: readonly string[]): string {
  return secrets.filter((secret) => secret.length > 0).reduce((clean, secret) => clean.split(secret).join('***'), text)
}

function reason (err: unknown): string {
  const message = err instanceof Error ? err.message : String(err)
  const code = (err as { code?: string }).code
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || (err as Error).name === 'TimeoutError') return 'SAP did not answer in time'
  if (code?.startsWith('SAP_PROXY_') || message.startsWith('token endpoint')) return message
  return 'SAP could not be reached'
}

/** Runs the steps and reports each one's outcome and latency; never throws. */
export async function testConnection (probe: ConnectionProbe, now: () => number = () => performance.now()): Promise<ConnectionTestResult> {
  const secrets = probe.secrets ?? []
  const tokenStart = now()
  let token: string
  try {
    token = await probe.token()
  } catch (err) {
    return {
      success: false,
      token: { ok: false, latencyMs: Math.round(now() - tokenStart) },
      api: { ok: false, latencyMs: null, status: null },
      message: redact(`No token: ${reason(err)}`, secrets)
    }
  }
  const tokenLatency = Math.round(now() - tokenStart)
  const apiStart = now()
  try {
    const status = await probe.api(token)
    const ok = status >= 200 && status < 300
    return {
      success: ok,
      token: { ok: true, latencyMs: tokenLatency },
      api: { ok, latencyMs: Math.round(now() - apiStart), status },
      message: ok ? `Connected: token obtained, ${CONNECTION_TEST_PATH} answered ${status}` : `Token obtained, but ${CONNECTION_TEST_PATH} answered ${status}`
    }
  } catch (err) {
    return {
      success: false,
      token: { ok: true, latencyMs: tokenLatency },
      api: { ok: false, latencyMs: Math.round(now() - apiStart), status: null },
      message: redact(`Token obtained, but the API call failed: ${reason(err)}`, secrets)
    }
  }
}
