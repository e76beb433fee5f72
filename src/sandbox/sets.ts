import type { Readable } from 'node:stream'
import { artifactZip, packageZip } from './content.js'
import { ODataError, invalidKeyPredicate } from './errors.js'
import { entityType, type EntityTypeDef } from './model.js'
import type { ArtifactRecord, ConfigurationRecord, PackageRecord, RuntimeRecord } from './seed.js'
import { versionMatches, type TenantStore, type TaskRecord } from './store.js'
import { keyLiteral, type KeyPart } from './uri.js'

/**
 * Binds the EDM model to the tenant store: how each entity type is addressed (its canonical
 * path), found by key, navigated and streamed. The read dispatcher walks a parsed url over these
 * bindings, so `IntegrationPackages('P')/IntegrationDesigntimeArtifacts(Id='x',Version='v')`
 * needs no route of its own.
 */

export type Entity = object

export interface MediaBody {
  contentType: string
  size: number
  body: Buffer | (() => Readable)
}

export interface MediaContext { artifactSize: number }

export interface TypeBinding {
  type: EntityTypeDef
  /** The canonical path relative to the service root, e.g. `IntegrationPackages('X')`. */
  path: (e: Entity) => string
  /** Does the entity have this key? `key` is already checked against the type's key properties. */
  matches: (e: Entity, key: Record<string, string>) => boolean
  navs: Record<string, (e: Entity) => Entity[] | Entity | undefined>
  media?: { contentType: string, open: (e: Entity, ctx: MediaContext) => MediaBody }
}

export interface SetBinding {
  name: string
  typeName: string
  /** undefined: the set cannot be read as a collection (SAP's processor does not implement it). */
  list?: () => Entity[]
  lookup: (key: Record<string, string>) => Entity | undefined
}

const single = (set: string, prop: string) => (e: Entity): string =>
  `${set}(${keyLiteral(String((e as Record<string, unknown>)[prop]))})`

const exact = (e: Entity, key: Record<string, string>): boolean =>
  Object.entries(key).every(([k, v]) => (e as Record<string, unknown>)[k] === v)

const artifactPath = (e: Entity): string => {
  const a = e as ArtifactRecord
  return `IntegrationDesigntimeArtifacts(Id=${keyLiteral(a.Id)},Version=${keyLiteral(a.Version)})`
}

/** Configurations have no key of their own across iFlows: their uri goes through the iFlow. */
interface OwnedConfiguration extends ConfigurationRecord { owner: ArtifactRecord }

export function createBindings (store: TenantStore): { types: Record<string, TypeBinding>, sets: Record<string, SetBinding> } {
  const types: Record<string, TypeBinding> = {
    IntegrationPackage: {
      type: entityType('IntegrationPackage'),
      path: single('IntegrationPackages', 'Id'),
      matches: exact,
      navs: { IntegrationDesigntimeArtifacts: e => store.artifactsOf((e as PackageRecord).Id) },
      media: {
        contentType: 'application/zip',
        open: (e, ctx) => {
          const pkg = e as PackageRecord
          const artifacts = store.artifactsOf(pkg.Id)
          const drafts = artifacts.filter(a => a.Version === 'Active')
          if (drafts.length > 0) {
            throw new ODataError(500, `Package export failed. It contains the following artifacts are in draft state: [ ${drafts.map(d => `{Type=IFlow, Name=${d.Name}}`).join(', ')} ].`)
          }
          const zip = packageZip(pkg, artifacts, ctx.artifactSize)
          return { contentType: 'application/zip', size: zip.size, body: zip.stream }
        }
      }
    },
    IntegrationDesigntimeArtifact: {
      type: entityType('IntegrationDesigntimeArtifact'),
      path: artifactPath,
      matches: (e, key) => {
        const a = e as ArtifactRecord
        return (key.Id === undefined || key.Id === a.Id) && (key.Version === undefined || versionMatches(a, key.Version))
      },
      navs: {
        Configurations: e => (e as ArtifactRecord).configurations.map(c => ({ ...c, owner: e as ArtifactRecord }))
      },
      media: {
        contentType: 'application/zip',
        open: (e, ctx) => {
          const zip = artifactZip(e as ArtifactRecord, ctx.artifactSize)
          return { contentType: 'application/zip', size: zip.size, body: zip.stream }
        }
      }
    },
    Configuration: {
      type: entityType('Configuration'),
      path: e => `${artifactPath((e as OwnedConfiguration).owner)}/Configurations(${keyLiteral((e as OwnedConfiguration).ParameterKey)})`,
      matches: exact,
      navs: {}
    },
    IntegrationRuntimeArtifact: {
      type: entityType('IntegrationRuntimeArtifact'),
      path: single('IntegrationRuntimeArtifacts', 'Id'),
      matches: exact,
      navs: {
        ErrorInformation: e => {
          const r = e as RuntimeRecord
          return r.errorText === undefined ? undefined : { Id: r.Id, errorText: r.errorText }
        }
      }
    },
    RuntimeArtifactErrorInformation: {
      type: entityType('RuntimeArtifactErrorInformation'),
      path: e => `${single('IntegrationRuntimeArtifacts', 'Id')(e)}/ErrorInformation`,
      matches: exact,
      navs: {},
      media: {
        contentType: 'application/json',
        open: e => {
          const body = Buffer.from((e as { errorText: string }).errorText)
          return { contentType: 'application/json', size: body.length, body }
        }
      }
    },
    BuildAndDeployStatus: {
      type: entityType('BuildAndDeployStatus'),
      path: e => `BuildAndDeployStatus(${keyLiteral((e as TaskRecord).TaskId)})`,
      matches: exact,
      navs: {}
    },
    MessageProcessingLog: {
      type: entityType('MessageProcessingLog'),
      path: single('MessageProcessingLogs', 'MessageGuid'),
      matches: exact,
      navs: {}
    }
  }

  const sets: Record<string, SetBinding> = {
    IntegrationPackages: {
      name: 'IntegrationPackages',
      typeName: 'IntegrationPackage',
      list: () => [...store.packages.values()],
      lookup: key => store.packages.get(key.Id ?? '')
    },
    // SAP serves no GET on this collection: iFlows are listed per package. Olingo's default
    // processor answers an unimplemented read with 501 "Not implemented.", so the sandbox does too.
    IntegrationDesigntimeArtifacts: {
      name: 'IntegrationDesigntimeArtifacts',
      typeName: 'IntegrationDesigntimeArtifact',
      lookup: key => store.findArtifact(key.Id ?? '', key.Version ?? '')
    },
    // Configurations are reachable only through their iFlow.
    Configurations: {
      name: 'Configurations',
      typeName: 'Configuration',
      lookup: () => { throw new ODataError(501, 'Not implemented.') }
    },
    IntegrationRuntimeArtifacts: {
      name: 'IntegrationRuntimeArtifacts',
      typeName: 'IntegrationRuntimeArtifact',
      list: () => [...store.runtime.values()],
      lookup: key => store.runtime.get(key.Id ?? '')
    },
    RuntimeArtifactErrorInformations: {
      name: 'RuntimeArtifactErrorInformations',
      typeName: 'RuntimeArtifactErrorInformation',
      lookup: () => { throw new ODataError(501, 'Not implemented.') }
    },
    BuildAndDeployStatus: {
      name: 'BuildAndDeployStatus',
      typeName: 'BuildAndDeployStatus',
      lookup: key => store.tasks.get(key.TaskId ?? '')
    },
    MessageProcessingLogs: {
      name: 'MessageProcessingLogs',
      typeName: 'MessageProcessingLog',
      list: () => store.logs,
      lookup: key => store.logsByGuid.get(key.MessageGuid ?? '')
    }
  }
  return { types, sets }
}

/**
 * Checks a parsed key predicate against the type's key properties (all Edm.String here) and
 * returns it by name. A single positional literal is allowed for single-key types.
 */
export function resolveKey (type: EntityTypeDef, keyText: string, parts: KeyPart[]): Record<string, string> {
  const key: Record<string, string> = {}
  if (parts.length === 1 && parts[0]?.name === undefined) {
    const [only] = type.key
    if (type.key.length !== 1 || only === undefined || parts[0]?.literal.kind !== 'string') throw invalidKeyPredicate(keyText)
    key[only] = parts[0].literal.value
    return key
  }
  if (parts.length !== type.key.length) throw invalidKeyPredicate(keyText)
  for (const part of parts) {
    if (part.name === undefined || !type.key.includes(part.name) || key[part.name] !== undefined || part.literal.kind !== 'string') {
      throw invalidKeyPredicate(keyText)
    }
    key[part.name] = part.literal.value
  }
  return key
}
