import type { FastifyReply, FastifyRequest } from 'fastify'
import { ODataError, badRequest, methodNotAllowed, notFound, notImplemented } from './errors.js'
import { metadataDocument, serviceDocumentJson, serviceDocumentXml } from './metadata.js'
import { findProperty, functionImports, type PropertyDef } from './model.js'
import {
  DATA_NS, ENTRY_TYPE, FEED_TYPE, JSON_TYPE, METADATA_NS, XML_TYPE, atomEntryDocument, atomFeed, atomProperty,
  checkExpand, checkSelect, jsonEntity, jsonValue, nextLink, page, readQuery, selectRows, type Format, type SerializeContext
} from './odata.js'
import { serviceRoot } from './respond.js'
import { resolveKey, type Entity, type TypeBinding } from './sets.js'
import type { SandboxState } from './state.js'
import type { ParsedUri, Segment } from './uri.js'

/** GET (and HEAD): walks the parsed url over the set bindings, then serializes what it found. */

type Target =
  | { kind: 'collection', binding: TypeBinding, items: Entity[] | undefined, path: string, title: string }
  | { kind: 'count', binding: TypeBinding, items: Entity[] | undefined }
  | { kind: 'entity', binding: TypeBinding, entity: Entity }
  | { kind: 'media', binding: TypeBinding, entity: Entity }
  | { kind: 'property', prop: PropertyDef, value: unknown, raw: boolean }

function unknownSegment (segment: Segment): ODataError {
  return new ODataError(404, `Could not find property with name: '${segment.name}'.`)
}

export function resolveTarget (state: SandboxState, segments: Segment[]): Target {
  const [first, ...rest] = segments
  if (first === undefined) throw notFound()
  if (functionImports[first.name] !== undefined) throw methodNotAllowed('GET')
  const set = state.sets[first.name]
  const binding = set === undefined ? undefined : state.types[set.typeName]
  if (set === undefined || binding === undefined) {
    throw new ODataError(404, `Could not find an entity set or function import for '${first.name}'.`)
  }
  let target: Target
  if (first.key !== undefined) {
    const entity = set.lookup(resolveKey(binding.type, first.keyText ?? '', first.key))
    if (entity === undefined) throw notFound()
    target = { kind: 'entity', binding, entity }
  } else {
    target = { kind: 'collection', binding, items: set.list?.(), path: set.name, title: set.name }
  }

  for (const segment of rest) {
    if (target.kind === 'entity') {
      const b: TypeBinding = target.binding
      const entity: Entity = target.entity
      if (segment.name === '$value' && segment.key === undefined) {
        if (b.media === undefined) throw badRequest(`The entity type '${b.type.name}' is not a media resource.`)
        target = { kind: 'media', binding: b, entity }
        continue
      }
      const nav = b.type.navs.find(n => n.name === segment.name)
      if (nav !== undefined) {
        const related = b.navs[nav.name]?.(entity)
        const navBinding = state.types[nav.target]
        if (navBinding === undefined) throw unknownSegment(segment)
        if (nav.many) {
          const items = Array.isArray(related) ? related : []
          if (segment.key !== undefined) {
            const key = resolveKey(navBinding.type, segment.keyText ?? '', segment.key)
            const found = items.find(i => navBinding.matches(i, key))
            if (found === undefined) throw notFound()
            target = { kind: 'entity', binding: navBinding, entity: found }
          } else {
            target = { kind: 'collection', binding: navBinding, items, path: `${b.path(entity)}/${nav.name}`, title: nav.name }
          }
        } else {
          if (segment.key !== undefined) throw badRequest(`Invalid key predicate: '${segment.keyText ?? ''}'.`)
          if (related === undefined || Array.isArray(related)) throw notFound()
          target = { kind: 'entity', binding: navBinding, entity: related }
        }
        continue
      }
      const prop = findProperty(b.type, segment.name)
      if (prop !== undefined && segment.key === undefined) {
        target = { kind: 'property', prop, value: (entity as Record<string, unknown>)[prop.name], raw: false }
        continue
      }
      throw unknownSegment(segment)
    }
    if (target.kind === 'collection' && segment.name === '$count' && segment.key === undefined) {
      target = { kind: 'count', binding: target.binding, items: target.items }
      continue
    }
    if (target.kind === 'property' && !target.raw && segment.name === '$value' && segment.key === undefined) {
      target = { ...target, raw: true }
      continue
    }
    throw unknownSegment(segment)
  }
  return target
}

export async function handleRead (state: SandboxState, request: FastifyRequest, reply: FastifyReply, parsed: ParsedUri, format: Format): Promise<FastifyReply> {
  state.store.settle()
  const root = serviceRoot(request, state.url)
  const { segments, query } = parsed

  if (segments.length === 0) {
    return format === 'json'
      ? reply.header('Content-Type', JSON_TYPE).send(serviceDocumentJson())
      : reply.header('Content-Type', 'application/atomsvc+xml;charset=utf-8').send(serviceDocumentXml(root))
  }
  if (segments[0]?.name === '$metadata') {
    if (segments.length > 1) throw notFound()
    return reply.header('Content-Type', XML_TYPE).send(metadataDocument())
  }
  if (segments[0]?.name === '$batch') throw notImplemented()

  const target = resolveTarget(state, segments)
  const ctx: SerializeContext = { root, types: state.types, now: Date.now() }

  switch (target.kind) {
    case 'collection': {
      if (target.items === undefined) throw notImplemented()
      const q = readQuery(query)
      const select = checkSelect(target.binding.type, q.select)
      const expand = checkExpand(target.binding.type, q.expand)
      const p = page(target.items, target.binding.type, q)
      const next = p.nextToken === undefined ? undefined : nextLink(root, target.path, query, p.nextToken)
      if (format === 'json') {
        const d: Record<string, unknown> = {}
        if (q.inlinecount) d.__count = String(p.count)
        d.results = p.entities.map(e => jsonEntity(target.binding, e, ctx, select, expand))
        if (next !== undefined) d.__next = next
        return reply.header('Content-Type', JSON_TYPE).send(JSON.stringify({ d }))
      }
      const xml = atomFeed(target.binding, p.entities, ctx, {
        title: target.title,
        path: target.path,
        root: true,
        ...(q.inlinecount ? { count: p.count } : {}),
        ...(next !== undefined ? { next } : {}),
        ...(select !== undefined ? { select } : {}),
        expand
      })
      return reply.header('Content-Type', FEED_TYPE).send(xml)
    }
    case 'count': {
      if (target.items === undefined) throw notImplemented()
      const q = readQuery(query)
      const rows = selectRows(target.items, target.binding.type, q)
      const n = Math.max(0, Math.min(rows.length - q.skip, q.top ?? Infinity))
      return reply.header('Content-Type', 'text/plain;charset=utf-8').send(String(n))
    }
    case 'entity': {
      const q = readQuery(query)
      const select = checkSelect(target.binding.type, q.select)
      const expand = checkExpand(target.binding.type, q.expand)
      if (format === 'json') {
        return reply.header('Content-Type', JSON_TYPE).send(JSON.stringify({ d: jsonEntity(target.binding, target.entity, ctx, select, expand) }))
      }
      return reply.header('Content-Type', ENTRY_TYPE).send(atomEntryDocument(target.binding, target.entity, ctx, select, expand))
    }
    case 'media': {
      const media = target.binding.media
      if (media === undefined) throw notFound()
      const body = media.open(target.entity, { artifactSize: state.options.artifactSize })
      reply.header('Content-Type', body.contentType).header('Content-Length', String(body.size))
      if (request.method === 'HEAD') return reply.send()
      return reply.send(Buffer.isBuffer(body.body) ? body.body : body.body())
    }
    case 'property': {
      const { prop, value } = target
      if (target.raw) {
        const text = value === null || value === undefined ? '' : prop.type === 'Edm.DateTime' ? new Date(value as number).toISOString().replace(/Z$/, '') : String(value)
        return reply.header('Content-Type', 'text/plain;charset=utf-8').send(text)
      }
      if (format === 'json') {
        return reply.header('Content-Type', JSON_TYPE).send(JSON.stringify({ d: { [prop.name]: jsonValue(prop, value, root) } }))
      }
      const xml = atomProperty(prop, value, root).replace(/^<d:([A-Za-z_]+)/, `<d:$1 xmlns:d="${DATA_NS}" xmlns:m="${METADATA_NS}"`)
      return reply.header('Content-Type', XML_TYPE).send(`<?xml version="1.0" encoding="utf-8"?>${xml}`)
    }
  }
}
