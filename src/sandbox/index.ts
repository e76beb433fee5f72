import { buildSandboxApp } from './app.js'
import { CsrfSessions } from './csrf.js'
import { TokenRegistry } from './oauth.js'
import { SlidingWindow } from './pacing.js'
import { generateSeed } from './seed.js'
import { createBindings } from './sets.js'
import type { RecordedRequest, RecordedUpload, SandboxState } from './state.js'
export type { RecordedRequest, RecordedUpload } from './state.js'
import { TenantStore } from './store.js'

/**
 * The built-in sandbox tenant: a real HTTP server on loopback that behaves like an SAP Cloud
 * Integration tenant (XSUAA token endpoint + OData V2 API at `/api/v1`). See
 * ../../shared/docs/sap-cloud-integration-api.md for the behaviour it copies.
 */

export interface SandboxOptions {
  host?: string
  port?: number
  clientId?: string
  clientSecret?: string
  expiresIn?: number
  csrfRequired?: boolean
  pacing?: boolean
  /** Seed size, read at start only. */
  packageCount?: number
  /** Size of the zips served by `$value`, read on every request. */
  artifactSize?: number
  /** Seed size, read at start only. */
  messageLogCount?: number
  deployDelayMs?: number
}

export interface Sandbox {
  url: string
  tokenUrl: string
  clientId: string
  clientSecret: string
  /** Mutable at runtime: the sandbox reads these on every request (except the seed sizes). */
  options: Required<SandboxOptions>
  stats: {
    tokensIssued: number
    requests: RecordedRequest[]
    /** Bodies of POST/PUT/PATCH (and DELETE with a body) as received: size and sha256. Last 1000. */
    uploads: RecordedUpload[]
  }
  revokeTokens(): void
  setTokenEndpointDown(down: boolean): void
  close(): Promise<void>
}

export const DEFAULT_OPTIONS: Required<SandboxOptions> = {
  host: '127.0.0.1',
  port: 0,
  clientId: 'sb-sandbox-client!b1|it!b2',
  clientSecret: 'sandbox-secret',
  expiresIn: 43199,
  csrfRequired: false,
  pacing: false,
  packageCount: 25,
  artifactSize: 4096,
  messageLogCount: 2500,
  deployDelayMs: 200
}

function definedOnly (options: SandboxOptions): SandboxOptions {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as SandboxOptions
}

export async function startSandbox (options: SandboxOptions = {}): Promise<Sandbox> {
  const resolved: Required<SandboxOptions> = { ...DEFAULT_OPTIONS, ...definedOnly(options) }
  const store = new TenantStore(generateSeed({ packageCount: resolved.packageCount, messageLogCount: resolved.messageLogCount }))
  const { types, sets } = createBindings(store)
  const state: SandboxState = {
    url: '',
    options: resolved,
    stats: { tokensIssued: 0, requests: [], uploads: [] },
    tokens: new TokenRegistry(),
    csrf: new CsrfSessions(),
    pacing: new SlidingWindow(),
    store,
    types,
    sets,
    tokenEndpointDown: false
  }
  const app = await buildSandboxApp(state)
  try {
    await app.listen({ host: resolved.host, port: resolved.port })
  } catch (error) {
    await app.close()
    throw error
  }
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('the sandbox did not bind a TCP port')
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  state.url = `http://${host}:${address.port}`

  return {
    url: state.url,
    tokenUrl: `${state.url}/oauth/token`,
    clientId: resolved.clientId,
    clientSecret: resolved.clientSecret,
    options: resolved,
    stats: state.stats,
    revokeTokens: () => { state.tokens.revokeAll() },
    setTokenEndpointDown: (down: boolean) => { state.tokenEndpointDown = down },
    close: async () => { await app.close() }
  }
}
