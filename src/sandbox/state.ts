import type { CsrfSessions } from './csrf.js'
import type { SandboxOptions } from './index.js'
import type { TokenRegistry } from './oauth.js'
import type { SlidingWindow } from './pacing.js'
import type { SetBinding, TypeBinding } from './sets.js'
import type { TenantStore } from './store.js'

export interface RecordedRequest {
  method: string
  /** The request target as received: path and query, byte for byte. */
  url: string
  headers: Record<string, string | string[] | undefined>
}

export interface RecordedUpload {
  method: string
  url: string
  contentType: string | undefined
  bytes: number
  sha256: string
  /** For JSON bodies with a base64 `ArtifactContent`: the decoded content's size and sha256. */
  artifactContent?: { bytes: number, sha256: string }
}

export interface SandboxStats {
  tokensIssued: number
  requests: RecordedRequest[]
  uploads: RecordedUpload[]
}

export const MAX_RECORDED_REQUESTS = 10_000
export const MAX_RECORDED_UPLOADS = 1_000

/** Everything one sandbox instance knows, shared by its routes. */
export interface SandboxState {
  url: string
  options: Required<SandboxOptions>
  stats: SandboxStats
  tokens: TokenRegistry
  csrf: CsrfSessions
  pacing: SlidingWindow
  store: TenantStore
  types: Record<string, TypeBinding>
  sets: Record<string, SetBinding>
  tokenEndpointDown: boolean
}

export function remember<T> (list: T[], item: T, max: number): void {
  list.push(item)
  if (list.length > max) list.splice(0, list.length - max)
}
