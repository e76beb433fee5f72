import type { ResultStore, Stored } from './cache.js'
import {
  runtimeIndex, toConfiguration, toIFlow, toPackage, toRuntime,
  type IFlow, type IFlowDetail, type IFlowList, type PackageList, type PackageWithIFlows, type RawEntity, type Runtime, type TenantData
} from './models.js'
import { compositeEntityPath, entityPath } from './odata.js'
import { SapStatusError, toProxyError, type SapClient } from './sap-client.js'

/** The OData paths the typed routes read; ids always go through the key encoders. */
export const SapPaths = {
  packages: 'IntegrationPackages',
  package: (id: string) => entityPath('IntegrationPackages', id),
  packageIFlows: (id: string) => `${entityPath('IntegrationPackages', id)}/IntegrationDesigntimeArtifacts`,
  iflow: (id: string) => compositeEntityPath('IntegrationDesigntimeArtifacts', { Id: id, Version: 'active' }),
  iflowConfigurations: (id: string) => `${compositeEntityPath('IntegrationDesigntimeArtifacts', { Id: id, Version: 'active' })}/Configurations`,
  runtimeArtifacts: 'IntegrationRuntimeArtifacts',
  runtimeArtifact: (id: string) => entityPath('IntegrationRuntimeArtifacts', id)
} as const

export interface ReadOptions {
  /** Bypass the result cache. */
  refresh?: boolean
}

export interface SapCatalogOptions {
  client: SapClient
  store: ResultStore
  /** What `base-tenant-data` calls the tenant. */
  tenantLabel: string
  /** Fan-out calls one operation keeps queued at once (the pacer bounds the rate anyway). */
  fanOut?: number
}

/** Maps items with at most `limit` calls pending; stops taking new items after the first failure. */
export async function mapBounded<T, R> (items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  let failed = false
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const index = next++
      try {
        results[index] = await fn(items[index] as T)
      } catch (err) {
        failed = true
        throw err
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker))
  return results
}

/**
 * The views behind the typed routes, built from SAP calls: packages, iFlows (a fan-out over the
 * packages, since SAP has no GET on the iFlow collection), runtime state joined from
 * `IntegrationRuntimeArtifacts`, and the whole-tenant snapshot. Each view goes through the
 * result store, so identical requests in flight share one set of SAP calls.
 */
export class SapCatalog {
  readonly client: SapClient
  readonly store: ResultStore
  readonly #tenantLabel: string
  readonly #fanOut: number

  constructor ({ client, store, tenantLabel, fanOut }: SapCatalogOptions) {
    this.client = client
    this.store = store
    this.#tenantLabel = tenantLabel
    this.#fanOut = fanOut ?? client.pacer.maxInFlight
  }

  packages (options: ReadOptions = {}): Promise<Stored<PackageList>> {
    return this.#read('packages', options, async () => {
      const packages = (await this.client.getCollection(SapPaths.packages)).map(toPackage)
      return { count: packages.length, packages }
    })
  }

  package (id: string, options: ReadOptions = {}): Promise<Stored<PackageWithIFlows>> {
    return this.#read(`package:${id}`, options, async () => {
      const raw = await this.client.getEntity(SapPaths.package(id))
      const [iflows, runtime] = await Promise.all([this.client.getCollection(SapPaths.packageIFlows(id)), this.#runtime()])
      return { ...toPackage(raw), iflows: iflows.map((iflow) => toIFlow(iflow, runtime.get(String(iflow.Id)) ?? null, id)) }
    })
  }

  iflows (packageId: string | undefined, options: ReadOptions = {}): Promise<Stored<IFlowList>> {
    return this.#read(packageId === undefined ? 'iflows' : `iflows:${packageId}`, options, async () => {
      const iflows = packageId === undefined
        ? (await this.#allPackagesWithIFlows()).flatMap((pkg) => pkg.iflows)
        : await Promise.all([this.client.getCollection(SapPaths.packageIFlows(packageId)), this.#runtime()])
          .then(([raw, runtime]) => raw.map((iflow) => toIFlow(iflow, runtime.get(String(iflow.Id)) ?? null, packageId)))
      return { count: iflows.length, iflows }
    })
  }

  iflow (id: string, options: ReadOptions = {}): Promise<Stored<IFlowDetail>> {
    return this.#read(`iflow:${id}`, options, async () => {
      const raw = await this.client.getEntity(SapPaths.iflow(id))
      const [configurations, runtime] = await Promise.all([
        this.client.getCollection(SapPaths.iflowConfigurations(id)),
        this.client.getEntity(SapPaths.runtimeArtifact(id)).catch((err: unknown) => {
          if (err instanceof SapStatusError && err.statusCode === 404) return null
          throw err
        })
      ])
      return { ...toIFlow(raw, runtime ? toRuntime(runtime) : null), configurations: configurations.map(toConfiguration) }
    })
  }

  tenantData (options: ReadOptions = {}): Promise<Stored<TenantData>> {
    return this.#read('base-tenant-data', { ...options, etagOf: (data: TenantData) => ({ ...data, fetchedAt: undefined }) }, async () => {
      const packages = await this.#allPackagesWithIFlows()
      const iflows = packages.reduce((sum, pkg) => sum + pkg.iflows.length, 0)
      const deployed = packages.reduce((sum, pkg) => sum + pkg.iflows.filter((iflow) => iflow.runtime !== null).length, 0)
      return {
        tenant: this.#tenantLabel,
        fetchedAt: new Date().toISOString(),
        counts: { packages: packages.length, iflows, deployed },
        packages
      }
    })
  }

  async #allPackagesWithIFlows (): Promise<PackageWithIFlows[]> {
    const [rawPackages, runtime] = await Promise.all([this.client.getCollection(SapPaths.packages), this.#runtime()])
    return mapBounded(rawPackages, this.#fanOut, async (raw) => {
      const pkg = toPackage(raw)
      return { ...pkg, iflows: await this.#packageIFlows(pkg.id, runtime) }
    })
  }

  async #packageIFlows (packageId: string, runtime: Map<string, Runtime>): Promise<IFlow[]> {
    const raw = await this.client.getCollection(SapPaths.packageIFlows(packageId))
    return raw.map((iflow) => toIFlow(iflow, runtime.get(String(iflow.Id)) ?? null, packageId))
  }

  async #runtime (): Promise<Map<string, Runtime>> {
    return runtimeIndex(await this.client.getCollection<RawEntity>(SapPaths.runtimeArtifacts))
  }

  async #read<T> (key: string, options: ReadOptions & { etagOf?: (value: T) => unknown }, produce: () => Promise<T>): Promise<Stored<T>> {
    try {
      return await this.store.get(key, produce, options)
    } catch (err) {
      throw toProxyError(err)
    }
  }
}
