import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { ID_PATTERN, toBoolean, toIsoDate, toNullableString } from './odata.js'

/**
 * The typed routes' JSON models (camelCase, ISO dates, real booleans) as TypeBox schemas, the
 * types derived from them, and the normalisers from SAP's OData entities.
 * @see ../../../shared/docs/product.md
 */

const Nullable = <T extends TSchema>(schema: T, description?: string) =>
  Type.Union([schema, Type.Null()], description ? { description } : {})
const IsoDate = (description: string) => Nullable(Type.String({ format: 'date-time' }), description)

export const IdSchema = Type.String({ pattern: ID_PATTERN, maxLength: 200, description: 'SAP technical id: letters, digits, `_`, `.`, `-`' })

export const PackageSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Nullable(Type.String(), 'HTML, as SAP stores it'),
  shortText: Nullable(Type.String()),
  version: Nullable(Type.String()),
  vendor: Nullable(Type.String()),
  mode: Nullable(Type.String({ description: '`EDIT_ALLOWED`, `READ_ONLY`, …' })),
  partnerContent: Type.Boolean(),
  updateAvailable: Type.Boolean(),
  createdBy: Nullable(Type.String()),
  createdAt: IsoDate('SAP `CreationDate`'),
  modifiedBy: Nullable(Type.String()),
  modifiedAt: IsoDate('SAP `ModifiedDate`')
})
export type Package = Static<typeof PackageSchema>

export const RuntimeSchema = Type.Object({
  status: Nullable(Type.String({ description: '`STARTED`, `STARTING`, `ERROR`, …' })),
  version: Nullable(Type.String()),
  deployedBy: Nullable(Type.String()),
  deployedAt: IsoDate('SAP `DeployedOn`')
})
export type Runtime = Static<typeof RuntimeSchema>

export const IFlowSchema = Type.Object({
  id: Type.String(),
  version: Type.String({ description: '`Active` for a draft, else the saved version' }),
  packageId: Nullable(Type.String()),
  name: Nullable(Type.String()),
  description: Nullable(Type.String()),
  sender: Nullable(Type.String()),
  receiver: Nullable(Type.String()),
  createdBy: Nullable(Type.String()),
  createdAt: IsoDate('SAP `CreatedAt`'),
  modifiedBy: Nullable(Type.String()),
  modifiedAt: IsoDate('SAP `ModifiedAt`'),
  isDraft: Type.Boolean({ description: 'SAP lists a draft with `Version: "Active"`' }),
  runtime: Type.Union([RuntimeSchema, Type.Null()], { description: 'The deployed state from IntegrationRuntimeArtifacts; null when not deployed' })
})
export type IFlow = Static<typeof IFlowSchema>

export const ConfigurationSchema = Type.Object({
  key: Type.String(),
  value: Nullable(Type.String()),
  dataType: Nullable(Type.String({ description: 'e.g. `xsd:string`' }))
})
export type Configuration = Static<typeof ConfigurationSchema>

export const PackageWithIFlowsSchema = Type.Composite([PackageSchema, Type.Object({ iflows: Type.Array(IFlowSchema) })])
export type PackageWithIFlows = Static<typeof PackageWithIFlowsSchema>

export const IFlowDetailSchema = Type.Composite([IFlowSchema, Type.Object({ configurations: Type.Array(ConfigurationSchema) })])
export type IFlowDetail = Static<typeof IFlowDetailSchema>

export const PackageListSchema = Type.Object({ count: Type.Integer(), packages: Type.Array(PackageSchema) })
export type PackageList = Static<typeof PackageListSchema>

export const IFlowListSchema = Type.Object({ count: Type.Integer(), iflows: Type.Array(IFlowSchema) })
export type IFlowList = Static<typeof IFlowListSchema>

export const TenantDataSchema = Type.Object({
  tenant: Type.String({ description: '`sandbox`, or the host of the configured tenant' }),
  fetchedAt: Type.String({ format: 'date-time' }),
  counts: Type.Object({
    packages: Type.Integer(),
    iflows: Type.Integer(),
    deployed: Type.Integer({ description: 'iFlows with a runtime state' })
  }),
  packages: Type.Array(PackageWithIFlowsSchema)
})
export type TenantData = Static<typeof TenantDataSchema>

export const TokenStatusSchema = Type.Object({
  hasToken: Type.Boolean(),
  expiresAt: IsoDate('When the held token expires'),
  expiresInSeconds: Nullable(Type.Integer()),
  lastRefreshAt: IsoDate('When the last token was obtained'),
  refreshCount: Type.Integer(),
  lastError: Nullable(Type.String({ description: 'Why the last token request failed' }))
})

export const ConnectionTestBodySchema = Type.Object({
  baseUrl: Type.String({ pattern: '^https?://[^\\s/?#]+[^\\s?#]*$', maxLength: 2048, description: 'Tenant url, without `/api/v1`' }),
  tokenUrl: Type.String({ pattern: '^https?://[^\\s/?#]+[^\\s#]*$', maxLength: 2048 }),
  clientId: Type.String({ minLength: 1, maxLength: 512 }),
  clientSecret: Type.String({ minLength: 1, maxLength: 4096, description: 'Used for this test only: never stored, logged or answered' })
}, { additionalProperties: false })
export type ConnectionTestBody = Static<typeof ConnectionTestBodySchema>

const StepSchema = Type.Object({ ok: Type.Boolean(), latencyMs: Nullable(Type.Integer({ minimum: 0 })) })
export const ConnectionTestResultSchema = Type.Object({
  success: Type.Boolean(),
  token: StepSchema,
  api: Type.Composite([StepSchema, Type.Object({ status: Nullable(Type.Integer({ description: 'HTTP status SAP answered `IntegrationPackages?$top=1` with' })) })]),
  message: Type.String()
})
export type ConnectionTestResult = Static<typeof ConnectionTestResultSchema>

/** An OData entity as SAP sends it: only the properties read here matter. */
export type RawEntity = Record<string, unknown>

export function toPackage (raw: RawEntity): Package {
  return {
    id: String(raw.Id),
    name: toNullableString(raw.Name) ?? String(raw.Id),
    description: toNullableString(raw.Description),
    shortText: toNullableString(raw.ShortText),
    version: toNullableString(raw.Version),
    vendor: toNullableString(raw.Vendor),
    mode: toNullableString(raw.Mode),
    partnerContent: toBoolean(raw.PartnerContent),
    updateAvailable: toBoolean(raw.UpdateAvailable),
    createdBy: toNullableString(raw.CreatedBy),
    createdAt: toIsoDate(raw.CreationDate),
    modifiedBy: toNullableString(raw.ModifiedBy),
    modifiedAt: toIsoDate(raw.ModifiedDate)
  }
}

export function toRuntime (raw: RawEntity): Runtime {
  return {
    status: toNullableString(raw.Status),
    version: toNullableString(raw.Version),
    deployedBy: toNullableString(raw.DeployedBy),
    deployedAt: toIsoDate(raw.DeployedOn)
  }
}

/** In listings a draft shows `Version: "Active"`, key lookups use `'active'`: the two are alike. */
export function isDraftVersion (version: unknown): boolean {
  return typeof version === 'string' && version.toLowerCase() === 'active'
}

export function toIFlow (raw: RawEntity, runtime: Runtime | null, packageId?: string): IFlow {
  return {
    id: String(raw.Id),
    version: toNullableString(raw.Version) ?? 'Active',
    packageId: toNullableString(raw.PackageId) ?? packageId ?? null,
    name: toNullableString(raw.Name),
    description: toNullableString(raw.Description),
    sender: toNullableString(raw.Sender),
    receiver: toNullableString(raw.Receiver),
    createdBy: toNullableString(raw.CreatedBy),
    createdAt: toIsoDate(raw.CreatedAt),
    modifiedBy: toNullableString(raw.ModifiedBy),
    modifiedAt: toIsoDate(raw.ModifiedAt),
    isDraft: isDraftVersion(raw.Version),
    runtime
  }
}

export function toConfiguration (raw: RawEntity): Configuration {
  return {
    key: String(raw.ParameterKey),
    value: toNullableString(raw.ParameterValue),
    dataType: toNullableString(raw.DataType)
  }
}

/** Runtime states of integration flows by id, from the `IntegrationRuntimeArtifacts` collection. */
export function runtimeIndex (artifacts: RawEntity[]): Map<string, Runtime> {
  const iflows = artifacts.filter((raw) => typeof raw.Id === 'string' && (raw.Type === undefined || raw.Type === null || raw.Type === 'INTEGRATION_FLOW'))
  return new Map(iflows.map((raw) => [raw.Id as string, toRuntime(raw)]))
}
