import type { FastifyReply, FastifyRequest } from 'fastify'
import { consumeBody, type BodyDigest } from './body.js'
import { ODataError, badRequest, methodNotAllowed, unknownLiteral } from './errors.js'
import { entitySets, functionImports } from './model.js'
import { ENTRY_TYPE, JSON_TYPE, atomEntryDocument, jsonEntity, type Format, type SerializeContext } from './odata.js'
import { serviceRoot } from './respond.js'
import { resolveKey, type Entity, type TypeBinding } from './sets.js'
import { MAX_RECORDED_UPLOADS, remember, type SandboxState } from './state.js'
import { parseLiteral, type ParsedUri, type Segment } from './uri.js'

/**
 * The writes a CI/CD tool uses. The body is consumed as a stream first (hashed and counted into
 * `stats.uploads`), then the request is dispatched on its method and path shape. Status codes are
 * SAP's: creates 201, package PUT/DELETE 202, artifact PUT/DELETE 200, deploy 202.
 */

function keyOf (state: SandboxState, segment: Segment): Record<string, string> {
  const set = state.sets[segment.name]
  const binding = set === undefined ? undefined : state.types[set.typeName]
  if (binding === undefined || segment.key === undefined) throw badRequest(`Invalid key predicate: '${segment.keyText ?? ''}'.`)
  return resolveKey(binding.type, segment.keyText ?? '', segment.key)
}

function jsonObject (digest: BodyDigest, isJson: boolean): Record<string, unknown> {
  if (digest.bytes === 0) return {}
  if (!isJson) throw new ODataError(415, 'Unsupported content type: a JSON body was expected.')
  const json = digest.json
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw badRequest('The request body must be a JSON object.')
  return json as Record<string, unknown>
}

/** A function-import parameter: must be a quoted string literal (`Id='x'`), as on SAP. */
function stringParameter (parsed: ParsedUri, name: string): string {
  const param = parsed.query.find(p => p.name === name)
  if (param === undefined) throw badRequest(`Missing mandatory parameter '${name}'.`)
  const literal = parseLiteral(param.value)
  if (literal.kind !== 'string') throw unknownLiteral(param.value)
  return literal.value
}

function created (reply: FastifyReply, binding: TypeBinding, entity: Entity, ctx: SerializeContext, format: Format): FastifyReply {
  reply.code(201).header('Location', ctx.root + binding.path(entity))
  return format === 'json'
    ? reply.header('Content-Type', JSON_TYPE).send(JSON.stringify({ d: jsonEntity(binding, entity, ctx) }))
    : reply.header('Content-Type', ENTRY_TYPE).send(atomEntryDocument(binding, entity, ctx))
}

export async function handleWrite (state: SandboxState, request: FastifyRequest, reply: FastifyReply, parsed: ParsedUri, format: Format): Promise<FastifyReply> {
  const method = request.method
  const contentType = request.headers['content-type']
  const isJson = /^application\/json\b/i.test(contentType ?? '')
  const [first, second, ...more] = parsed.segments
  const isMedia = second?.name === '$value'
  const digest = await consumeBody(request.raw, isJson && !isMedia)
  if (method !== 'DELETE' || digest.bytes > 0) {
    remember(state.stats.uploads, {
      method,
      url: request.raw.url ?? '',
      contentType,
      bytes: digest.bytes,
      sha256: digest.sha256,
      ...(digest.artifactContent !== undefined ? { artifactContent: digest.artifactContent } : {})
    }, MAX_RECORDED_UPLOADS)
  }

  state.store.settle()
  const { store, options } = state
  const user = options.clientId
  const ctx: SerializeContext = { root: serviceRoot(request, state.url), types: state.types, now: Date.now() }
  const types = state.types
  if (first === undefined) throw methodNotAllowed(method)
  const name = first.name
  const shape = `${method} ${name}${first.key !== undefined ? '(key)' : ''}${second !== undefined ? `/${second.name}${second.key !== undefined ? '(key)' : ''}` : ''}${more.length > 0 ? '/…' : ''}`

  switch (shape) {
    case 'POST IntegrationPackages': {
      const record = store.createPackage(jsonObject(digest, isJson), user)
      return created(reply, types.IntegrationPackage as TypeBinding, record, ctx, format)
    }
    case 'PUT IntegrationPackages(key)': {
      store.updatePackage(keyOf(state, first).Id ?? '', jsonObject(digest, isJson), user)
      return reply.code(202).send()
    }
    case 'DELETE IntegrationPackages(key)': {
      store.deletePackage(keyOf(state, first).Id ?? '')
      return reply.code(202).send()
    }
    case 'POST IntegrationDesigntimeArtifacts': {
      const content = digest.artifactContent
      const record = store.createArtifact(jsonObject(digest, isJson), user, content)
      return created(reply, types.IntegrationDesigntimeArtifact as TypeBinding, record, ctx, format)
    }
    case 'PUT IntegrationDesigntimeArtifacts(key)': {
      const key = keyOf(state, first)
      store.updateArtifact(key.Id ?? '', key.Version ?? '', jsonObject(digest, isJson), user, digest.artifactContent)
      return reply.code(200).send()
    }
    case 'PUT IntegrationDesigntimeArtifacts(key)/$value': {
      // Not an SAP operation (SAP takes base64 in the JSON PUT): a media upload for tests that
      // push large binary bodies through the proxy. Only the size and hash are kept.
      const key = keyOf(state, first)
      store.updateArtifact(key.Id ?? '', key.Version ?? '', {}, user, { bytes: digest.bytes, sha256: digest.sha256 })
      return reply.code(200).send()
    }
    case 'DELETE IntegrationDesigntimeArtifacts(key)': {
      const key = keyOf(state, first)
      store.deleteArtifact(key.Id ?? '', key.Version ?? '')
      return reply.code(200).send()
    }
    case 'POST DeployIntegrationDesigntimeArtifact': {
      const id = stringParameter(parsed, 'Id')
      const version = stringParameter(parsed, 'Version')
      const task = store.deploy(id, version, user, options.deployDelayMs)
      return reply.code(202).header('Content-Type', 'text/plain;charset=utf-8').send(task.TaskId)
    }
    case 'DELETE IntegrationRuntimeArtifacts(key)': {
      store.undeploy(keyOf(state, first).Id ?? '')
      return reply.code(202).send()
    }
  }
  if (entitySets[name] !== undefined || functionImports[name] !== undefined) throw methodNotAllowed(method)
  throw new ODataError(404, `Could not find an entity set or function import for '${name}'.`)
}
