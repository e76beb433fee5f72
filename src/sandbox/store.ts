import { randomUUID } from 'node:crypto'
import { ODataError, badRequest, notFound } from './errors.js'
import type {
  ArtifactRecord, MessageLogRecord, PackageRecord, RuntimeRecord, SeedData, UploadedContent
} from './seed.js'

export interface TaskRecord {
  TaskId: string
  Status: 'DEPLOYING' | 'SUCCESS'
  artifactId: string
  readyAt: number
  deployedBy: string
}

/** Is `version` the artifact's current version? `active` (any case) always is. */
export function versionMatches (artifact: ArtifactRecord, version: string): boolean {
  return version.toLowerCase() === 'active' || version === artifact.Version
}

/**
 * The mutable state of one sandbox tenant, seeded from `SeedData`. Fastify-free; the clock is
 * injected. Deployments settle lazily: every read calls `settle()` first.
 */
export class TenantStore {
  readonly packages = new Map<string, PackageRecord>()
  readonly artifacts = new Map<string, ArtifactRecord>()
  readonly runtime = new Map<string, RuntimeRecord>()
  readonly logs: MessageLogRecord[]
  readonly logsByGuid: Map<string, MessageLogRecord>
  readonly tasks = new Map<string, TaskRecord>()
  readonly #now: () => number

  constructor (seed: SeedData, now: () => number = Date.now) {
    this.#now = now
    for (const p of seed.packages) this.packages.set(p.Id, p)
    for (const a of seed.artifacts) this.artifacts.set(a.Id, a)
    for (const r of seed.runtime) this.runtime.set(r.Id, r)
    this.logs = seed.logs
    this.logsByGuid = new Map(seed.logs.map(l => [l.MessageGuid, l]))
  }

  /** Moves deployments whose delay is over to SUCCESS and starts their runtime artifacts. */
  settle (): void {
    const now = this.#now()
    for (const task of this.tasks.values()) {
      if (task.Status !== 'DEPLOYING' || now < task.readyAt) continue
      task.Status = 'SUCCESS'
      const runtime = this.runtime.get(task.artifactId)
      if (runtime !== undefined) runtime.Status = 'STARTED'
    }
  }

  artifactsOf (packageId: string): ArtifactRecord[] {
    return [...this.artifacts.values()].filter(a => a.PackageId === packageId)
  }

  findArtifact (id: string, version: string): ArtifactRecord | undefined {
    const artifact = this.artifacts.get(id)
    return artifact !== undefined && versionMatches(artifact, version) ? artifact : undefined
  }

  createPackage (input: Record<string, unknown>, user: string): PackageRecord {
    const id = text(input.Id)
    if (id === undefined || id === '') throw badRequest('Id is mandatory.')
    const name = text(input.Name)
    if (name === undefined || name === '') throw badRequest('Name is mandatory.')
    if (this.packages.has(id)) throw new ODataError(409, 'Entity with the specified IntegrationPackage id already exist.')
    const now = String(this.#now())
    const record: PackageRecord = {
      Id: id,
      Name: name,
      ResourceId: randomUUID().replace(/-/g, ''),
      Description: text(input.Description) ?? '',
      ShortText: text(input.ShortText) ?? '',
      Version: text(input.Version) ?? '',
      Vendor: text(input.Vendor) ?? '',
      PartnerContent: false,
      UpdateAvailable: false,
      Mode: 'EDIT_ALLOWED',
      SupportedPlatform: text(input.SupportedPlatform) ?? '[SAP Cloud Integration]',
      ModifiedBy: user,
      CreationDate: now,
      ModifiedDate: now,
      CreatedBy: user,
      Products: text(input.Products) ?? '[]',
      Keywords: text(input.Keywords) ?? '[]',
      Countries: text(input.Countries) ?? '[]',
      Industries: text(input.Industries) ?? '[]',
      LineOfBusiness: text(input.LineOfBusiness) ?? '[]'
    }
    this.packages.set(id, record)
    return record
  }

  updatePackage (id: string, input: Record<string, unknown>, user: string): void {
    const record = this.packages.get(id)
    if (record === undefined) throw notFound()
    for (const field of ['Name', 'Description', 'ShortText', 'Version', 'Vendor', 'SupportedPlatform', 'Products', 'Keywords', 'Countries', 'Industries', 'LineOfBusiness'] as const) {
      const value = text(input[field])
      if (value !== undefined) record[field] = value
    }
    record.ModifiedBy = user
    record.ModifiedDate = String(this.#now())
  }

  /** Deletes the package and its design-time artifacts (deployed runtime artifacts stay, as on SAP). */
  deletePackage (id: string): void {
    if (!this.packages.delete(id)) throw notFound()
    for (const artifact of this.artifactsOf(id)) this.artifacts.delete(artifact.Id)
  }

  createArtifact (input: Record<string, unknown>, user: string, content: UploadedContent | undefined): ArtifactRecord {
    const name = text(input.Name)
    if (name === undefined || !/^[A-Za-z_][A-Za-z0-9 ._-]*$/.test(name) || name.endsWith('.')) {
      throw badRequest('Name should begin with alphabet or underscore (_) and can also contain numbers, space, period(.) or hyphen(-). But it should not end with period(.)')
    }
    const id = text(input.Id) ?? name
    const packageId = text(input.PackageId)
    if (packageId === undefined || !this.packages.has(packageId)) throw new ODataError(404, `Integration package ${packageId ?? ''} does not exist.`)
    const existing = this.artifacts.get(id)
    if (existing !== undefined) {
      throw new ODataError(500, `An integration flow ${existing.Name} with the ID ${id} already exists in the ${this.packages.get(existing.PackageId)?.Name ?? existing.PackageId} package. Please rename the artifact ID.`)
    }
    const now = String(this.#now())
    const record: ArtifactRecord = {
      Id: id,
      Version: '1.0.0',
      PackageId: packageId,
      Name: name,
      Description: text(input.Description) ?? ' ',
      Sender: '',
      Receiver: '',
      CreatedBy: user,
      CreatedAt: now,
      ModifiedBy: user,
      ModifiedAt: now,
      ArtifactContent: null,
      configurations: [],
      ...(content !== undefined ? { content } : {})
    }
    this.artifacts.set(id, record)
    return record
  }

  updateArtifact (id: string, version: string, input: Record<string, unknown>, user: string, content: UploadedContent | undefined): void {
    const record = this.findArtifact(id, version)
    if (record === undefined) throw notFound()
    const name = text(input.Name)
    if (name !== undefined && name !== '') record.Name = name
    if (content !== undefined) record.content = content
    record.ModifiedBy = user
    record.ModifiedAt = String(this.#now())
  }

  deleteArtifact (id: string, version: string): void {
    const record = this.findArtifact(id, version)
    if (record === undefined) throw notFound()
    this.artifacts.delete(record.Id)
  }

  deploy (id: string, version: string, user: string, delayMs: number): TaskRecord {
    const artifact = this.findArtifact(id, version)
    if (artifact === undefined) throw notFound()
    const now = this.#now()
    const task: TaskRecord = { TaskId: randomUUID(), Status: 'DEPLOYING', artifactId: artifact.Id, readyAt: now + delayMs, deployedBy: user }
    this.tasks.set(task.TaskId, task)
    this.runtime.set(artifact.Id, {
      Id: artifact.Id,
      Version: artifact.Version === 'Active' ? '1.0.0' : artifact.Version,
      Name: artifact.Name,
      Type: 'INTEGRATION_FLOW',
      DeployedBy: user,
      DeployedOn: now,
      Status: 'STARTING'
    })
    return task
  }

  undeploy (id: string): void {
    if (!this.runtime.delete(id)) throw notFound()
  }
}

function text (value: unknown): string | undefined {
  if (typeof value === 'string') return value
  if (value === null || value === undefined) return undefined
  throw badRequest(`Invalid value ${JSON.stringify(value)}: a string was expected.`)
}
