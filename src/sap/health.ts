import type { Tenant } from './tenant.js'

export interface HealthReport {
  status: 'healthy' | 'degraded' | 'unhealthy'
  services: {
    api: 'running'
    sap_connection: 'healthy' | 'unhealthy' | 'unknown'
    token: 'valid' | 'missing' | 'error'
  }
}

/** A cheap call that proves both the token and the API work. */
export const PROBE_PATH = 'IntegrationPackages?$top=1&$select=Id'

/**
 * The tenant's health for `/health`: the token state plus a probe call to SAP, made at most once
 * per `probeTtlMs` however often the route is polled (concurrent checks share one probe).
 */
export class TenantHealth {
  #probedAt = -Infinity
  #probe: Promise<void> | undefined

  constructor (private readonly tenant: Tenant, private readonly probeTtlMs: number, private readonly now: () => number = Date.now) {}

  async check (): Promise<HealthReport> {
    await this.#probeIfStale()
    const token = this.tenant.tokens.status()
    const tokenState = token.hasToken ? 'valid' : this.tenant.tokens.failing ? 'error' : 'missing'
    const lastCall = this.tenant.lastCall
    const sapConnection = lastCall === undefined ? 'unknown' : lastCall.ok ? 'healthy' : 'unhealthy'
    const status = !token.hasToken ? 'unhealthy' : this.tenant.tokens.failing || sapConnection === 'unhealthy' ? 'degraded' : 'healthy'
    return { status, services: { api: 'running', sap_connection: sapConnection, token: tokenState } }
  }

  #probeIfStale (): Promise<void> {
    if (this.now() - this.#probedAt < this.probeTtlMs) return Promise.resolve()
    this.#probe ??= this.#runProbe().finally(() => {
      this.#probedAt = this.now()
      this.#probe = undefined
    })
    return this.#probe
  }

  async #runProbe (): Promise<void> {
    try {
      const response = await this.tenant.callApi(PROBE_PATH)
      await response.body.dump()
    } catch {
      // The token provider and tenant.lastCall hold what went wrong.
    }
  }
}
