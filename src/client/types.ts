/**
 * The JSON the proxy's typed routes answer, derived from the same TypeBox schemas the routes
 * validate and serialise with, so the client and the routes cannot drift. Type-only imports: the
 * emitted JavaScript of the client has no dependency on TypeBox or on the server's modules.
 */
import type { Static } from '@sinclair/typebox'
import type { ConfigSchema } from '../../routes/api/config.js'
import type { HealthSchema } from '../../routes/health.js'
import type { RootSchema } from '../../routes/root.js'
import type { ConnectionTestBodySchema, TokenStatusSchema } from '../sap/models.js'
import type { ProxyErrorSchema } from '../sap/route-schemas.js'

export type {
  Configuration,
  ConnectionTestResult,
  IFlow,
  IFlowDetail,
  IFlowList,
  Package,
  PackageList,
  PackageWithIFlows,
  Runtime,
  TenantData
} from '../sap/models.js'

export type ServiceInfo = Static<typeof RootSchema>
export type Health = Static<typeof HealthSchema>
export type ProxyConfig = Static<typeof ConfigSchema>
export type TokenStatus = Static<typeof TokenStatusSchema>
export type ConnectionTestBody = Static<typeof ConnectionTestBodySchema>
/** The body of every error the proxy itself answers (`x-error-source: proxy`). */
export type ProxyErrorBody = Static<typeof ProxyErrorSchema>
