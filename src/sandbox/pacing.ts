/**
 * SAP's per-tenant request limits, as a sliding one-second window per API area (design-time 15/s,
 * runtime artifacts 120/s, message processing logs 1000/s). Rejected requests do not count, so a
 * client that backs off recovers after a second.
 */

export type Area = 'designtime' | 'runtime' | 'logs'

export const LIMITS: Record<Area, number> = { designtime: 15, runtime: 120, logs: 1000 }

const AREAS: Record<string, Area> = {
  IntegrationPackages: 'designtime',
  IntegrationDesigntimeArtifacts: 'designtime',
  DeployIntegrationDesigntimeArtifact: 'designtime',
  BuildAndDeployStatus: 'designtime',
  Configurations: 'designtime',
  IntegrationRuntimeArtifacts: 'runtime',
  MessageProcessingLogs: 'logs'
}

export function areaOf (firstSegment: string | undefined): Area | undefined {
  return firstSegment === undefined ? undefined : AREAS[firstSegment]
}

export class SlidingWindow {
  readonly #hits: Record<Area, number[]> = { designtime: [], runtime: [], logs: [] }
  readonly #now: () => number

  constructor (now: () => number = Date.now) {
    this.#now = now
  }

  /** Records the request and returns true, or returns false when the area is over its limit. */
  admit (area: Area): boolean {
    const now = this.#now()
    const hits = this.#hits[area]
    while (hits.length > 0 && (hits[0] as number) <= now - 1000) hits.shift()
    if (hits.length >= LIMITS[area]) return false
    hits.push(now)
    return true
  }
}
