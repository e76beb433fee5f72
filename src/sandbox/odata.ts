import { badRequest, reasonPhrase, type ODataError } from './errors.js'
import { compileFilter, compileOrderBy } from './filter.js'
import { NAMESPACE, complexTypes, type EntityTypeDef, type PropertyDef } from './model.js'
import type { Entity, TypeBinding } from './sets.js'
import type { QueryParam } from './uri.js'

/**
 * OData V2 formatting: format negotiation, JSON ("verbose" V2 JSON, as SAP sends it) and Atom
 * serialization, the error document, and the collection options ($filter, $orderby, $skip,
 * $top, $inlinecount, server paging with `$skiptoken`).
 */

export const PAGE_SIZE = 1000

export const ATOM_NS = 'http://www.w3.org/2005/Atom'
export const METADATA_NS = 'http://schemas.microsoft.com/ado/2007/08/dataservices/metadata'
export const DATA_NS = 'http://schemas.microsoft.com/ado/2007/08/dataservices'
const SCHEME = 'http://schemas.microsoft.com/ado/2007/08/dataservices/scheme'
const RELATED = 'http://schemas.microsoft.com/ado/2007/08/dataservices/related/'

export const JSON_TYPE = 'application/json;charset=utf-8'
export const FEED_TYPE = 'application/atom+xml;type=feed;charset=utf-8'
export const ENTRY_TYPE = 'application/atom+xml;type=entry;charset=utf-8'
export const XML_TYPE = 'application/xml;charset=utf-8'

export type Format = 'json' | 'atom'

export interface SerializeContext {
  /** Absolute service root with a trailing slash, e.g. `http://127.0.0.1:4004/api/v1/`. */
  root: string
  types: Record<string, TypeBinding>
  /** Request time, for Atom's `updated`. */
  now: number
}

/** `$format` wins; else `Accept: application/json` gives JSON; Atom otherwise, as on SAP. */
export function negotiate (accept: string | undefined, query: QueryParam[]): Format {
  const format = query.find(p => p.name === '$format')?.value
  if (format !== undefined) {
    if (format === 'json') return 'json'
    if (format === 'xml' || format === 'atom') return 'atom'
    throw badRequest(`Format '${format}' is not supported.`)
  }
  return accept !== undefined && /application\/json/i.test(accept) ? 'json' : 'atom'
}

export function xmlEscape (text: string): string {
  return text
    .replace(/[&<>"]/g, c => c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;')
    // characters XML 1.0 cannot carry
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '\ufffd') // eslint-disable-line no-control-regex
}

export function errorBody (error: ODataError, format: Format): { contentType: string, body: string } {
  if (format === 'atom') {
    return {
      contentType: XML_TYPE,
      body: `<?xml version="1.0" encoding="utf-8"?><error xmlns="${METADATA_NS}"><code>${xmlEscape(error.code)}</code><message xml:lang="en">${xmlEscape(error.message)}</message></error>`
    }
  }
  return {
    contentType: JSON_TYPE,
    body: JSON.stringify({ error: { code: reasonPhrase(error.status), message: { lang: 'en', value: error.message } } })
  }
}

// ---------------------------------------------------------------- collection options

export interface CollectionQuery {
  filter?: string
  orderby?: string
  skip: number
  top?: number
  skiptoken: number
  inlinecount: boolean
  select?: string[]
  expand?: string[]
}

const KNOWN_OPTIONS = new Set(['$format', '$top', '$skip', '$filter', '$orderby', '$inlinecount', '$skiptoken', '$select', '$expand'])

function nonNegative (name: string, value: string): number {
  if (!/^\d+$/.test(value)) throw badRequest(`Invalid value '${value}' for system query option '${name}'.`)
  return Number(value)
}

export function readQuery (query: QueryParam[]): CollectionQuery {
  const result: CollectionQuery = { skip: 0, skiptoken: 0, inlinecount: false }
  const seen = new Set<string>()
  for (const { name, value } of query) {
    if (!name.startsWith('$')) continue // custom query options (Author, LoB, …) are ignored
    if (!KNOWN_OPTIONS.has(name)) throw badRequest(`Invalid system query option: '${name}'.`)
    if (seen.has(name)) throw badRequest(`Duplicate system query option: '${name}'.`)
    seen.add(name)
    switch (name) {
      case '$top': result.top = nonNegative(name, value); break
      case '$skip': result.skip = nonNegative(name, value); break
      case '$skiptoken': result.skiptoken = nonNegative(name, value); break
      case '$filter': result.filter = value; break
      case '$orderby': result.orderby = value; break
      case '$inlinecount':
        if (value !== 'allpages' && value !== 'none') throw badRequest(`Invalid value '${value}' for system query option '$inlinecount'.`)
        result.inlinecount = value === 'allpages'
        break
      case '$select': result.select = value.split(',').map(v => v.trim()).filter(v => v !== ''); break
      case '$expand': result.expand = value.split(',').map(v => v.trim()).filter(v => v !== ''); break
    }
  }
  return result
}

export interface Page {
  entities: Entity[]
  count: number
  /** Value of `$skiptoken` for the next page, if there is one. */
  nextToken?: number
}

/** Filters and orders the collection; the count is taken before $skip/$top. */
export function selectRows (all: Entity[], type: EntityTypeDef, q: CollectionQuery): Entity[] {
  let rows = all
  if (q.filter !== undefined) {
    const predicate = compileFilter(q.filter, type)
    rows = rows.filter(r => predicate(r as Record<string, unknown>))
  }
  if (q.orderby !== undefined) {
    const comparator = compileOrderBy(q.orderby, type)
    rows = [...rows].sort((a, b) => comparator(a as Record<string, unknown>, b as Record<string, unknown>))
  }
  return rows
}

/**
 * Applies $skip, $top and server paging. `$skiptoken` counts the entries already delivered inside
 * the $skip/$top window, so a next link keeps every other option of the request unchanged.
 */
export function page (all: Entity[], type: EntityTypeDef, q: CollectionQuery): Page {
  const rows = selectRows(all, type, q)
  const windowEnd = q.top === undefined ? rows.length : Math.min(rows.length, q.skip + q.top)
  const start = q.skip + q.skiptoken
  const end = Math.min(windowEnd, start + PAGE_SIZE)
  const entities = start < end ? rows.slice(start, end) : []
  return { entities, count: rows.length, ...(end < windowEnd ? { nextToken: q.skiptoken + entities.length } : {}) }
}

/** The request url with `$skiptoken` replaced; every other pair is kept byte for byte. */
export function nextLink (root: string, resourcePath: string, query: QueryParam[], token: number): string {
  const pairs = query.filter(p => p.name !== '$skiptoken').map(p => p.raw)
  pairs.push(`$skiptoken=${token}`)
  return `${root}${resourcePath}?${pairs.join('&')}`
}

export function checkSelect (type: EntityTypeDef, select: string[] | undefined): Set<string> | undefined {
  if (select === undefined || select.length === 0 || select.includes('*')) return undefined
  for (const name of select) {
    if (!type.properties.some(p => p.name === name) && !type.navs.some(n => n.name === name)) {
      throw badRequest(`Could not find property with name: '${name}'.`)
    }
  }
  return new Set(select)
}

export function checkExpand (type: EntityTypeDef, expand: string[] | undefined): Set<string> {
  for (const name of expand ?? []) {
    if (!type.navs.some(n => n.name === name)) throw badRequest(`Could not find navigation property with name: '${name}'.`)
  }
  return new Set(expand ?? [])
}

// ---------------------------------------------------------------- values

export function jsonValue (prop: PropertyDef, value: unknown, root: string): unknown {
  if (value === null || value === undefined) return null
  if (prop.type === 'Edm.DateTime') return `/Date(${value as number})/`
  if (prop.origin === true) return new URL(String(value), root).href
  const complex = complexTypes[prop.type]
  if (complex !== undefined) {
    const out: Record<string, unknown> = { __metadata: { type: `${NAMESPACE}.${complex.name}` } }
    for (const p of complex.properties) out[p.name] = jsonValue(p, (value as Record<string, unknown>)[p.name], root)
    return out
  }
  return value
}

function atomDate (ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '')
}

export function atomProperty (prop: PropertyDef, value: unknown, root: string): string {
  const tag = `d:${prop.name}`
  const complex = complexTypes[prop.type]
  const typeAttr = prop.type === 'Edm.String' ? '' : ` m:type="${complex !== undefined ? `${NAMESPACE}.${complex.name}` : prop.type}"`
  if (value === null || value === undefined) return `<${tag}${typeAttr} m:null="true"/>`
  if (complex !== undefined) {
    const inner = complex.properties.map(p => atomProperty(p, (value as Record<string, unknown>)[p.name], root)).join('')
    return `<${tag}${typeAttr}>${inner}</${tag}>`
  }
  const text = prop.type === 'Edm.DateTime'
    ? atomDate(value as number)
    : prop.origin === true ? new URL(String(value), root).href : String(value)
  return `<${tag}${typeAttr}>${xmlEscape(text)}</${tag}>`
}

// ---------------------------------------------------------------- JSON

export function jsonEntity (binding: TypeBinding, e: Entity, ctx: SerializeContext, select?: Set<string>, expand: Set<string> = new Set()): Record<string, unknown> {
  const path = binding.path(e)
  const uri = ctx.root + path
  const metadata: Record<string, string> = { id: uri, uri, type: `${NAMESPACE}.${binding.type.name}` }
  if (binding.media !== undefined) {
    metadata.content_type = binding.media.contentType
    metadata.media_src = `${uri}/$value`
    metadata.edit_media = `${uri}/$value`
  }
  const out: Record<string, unknown> = { __metadata: metadata }
  const row = e as Record<string, unknown>
  for (const prop of binding.type.properties) {
    if (select === undefined || select.has(prop.name)) out[prop.name] = jsonValue(prop, row[prop.name], ctx.root)
  }
  for (const nav of binding.type.navs) {
    if (select !== undefined && !select.has(nav.name) && !expand.has(nav.name)) continue
    if (!expand.has(nav.name)) {
      out[nav.name] = { __deferred: { uri: `${uri}/${nav.name}` } }
      continue
    }
    const target = ctx.types[nav.target]
    const related = binding.navs[nav.name]?.(e)
    if (target === undefined) continue
    out[nav.name] = Array.isArray(related)
      ? { results: related.map(r => jsonEntity(target, r, ctx)) }
      : related === undefined ? null : jsonEntity(target, related, ctx)
  }
  return out
}

// ---------------------------------------------------------------- Atom

const NAMESPACES = `xmlns="${ATOM_NS}" xmlns:m="${METADATA_NS}" xmlns:d="${DATA_NS}"`

export function atomEntry (binding: TypeBinding, e: Entity, ctx: SerializeContext, select?: Set<string>, expand: Set<string> = new Set(), root = false): string {
  const path = binding.path(e)
  const typeName = binding.type.name
  const updated = new Date(ctx.now).toISOString()
  const row = e as Record<string, unknown>
  const props = binding.type.properties
    .filter(p => select === undefined || select.has(p.name))
    .map(p => atomProperty(p, row[p.name], ctx.root)).join('')
  const links = binding.type.navs
    .filter(n => select === undefined || select.has(n.name) || expand.has(n.name))
    .map(n => {
      const type = `application/atom+xml;type=${n.many ? 'feed' : 'entry'}`
      const open = `<link href="${xmlEscape(`${path}/${n.name}`)}" rel="${RELATED}${n.name}" title="${n.name}" type="${type}"`
      const target = ctx.types[n.target]
      if (!expand.has(n.name) || target === undefined) return `${open}/>`
      const related = binding.navs[n.name]?.(e)
      const inline = Array.isArray(related)
        ? atomFeed(target, related, ctx, { title: n.name, path: `${path}/${n.name}` })
        : related === undefined ? '' : atomEntry(target, related, ctx)
      return `${open}><m:inline>${inline}</m:inline></link>`
    }).join('')
  const head = root ? `<entry ${NAMESPACES} xml:base="${xmlEscape(ctx.root)}">` : '<entry>'
  const media = binding.media !== undefined
    ? `<link href="${xmlEscape(`${path}/$value`)}" rel="edit-media" type="${binding.media.contentType}"/>`
    : ''
  const content = binding.media !== undefined
    ? `<content type="${binding.media.contentType}" src="${xmlEscape(`${path}/$value`)}"/><m:properties>${props}</m:properties>`
    : `<content type="application/xml"><m:properties>${props}</m:properties></content>`
  return `${head}<id>${xmlEscape(ctx.root + path)}</id><title type="text">${typeName}</title><updated>${updated}</updated><author><name/></author>` +
    `<category term="${NAMESPACE}.${typeName}" scheme="${SCHEME}"/><link href="${xmlEscape(path)}" rel="edit" title="${typeName}"/>${media}${links}${content}</entry>`
}

export interface FeedOptions {
  title: string
  /** Feed path relative to the service root. */
  path: string
  count?: number
  next?: string
  root?: boolean
  select?: Set<string>
  expand?: Set<string>
}

export function atomFeed (binding: TypeBinding, entities: Entity[], ctx: SerializeContext, options: FeedOptions): string {
  const updated = new Date(ctx.now).toISOString()
  const head = options.root === true
    ? `<?xml version="1.0" encoding="utf-8"?><feed ${NAMESPACES} xml:base="${xmlEscape(ctx.root)}">`
    : '<feed>'
  return `${head}<id>${xmlEscape(ctx.root + options.path)}</id><title type="text">${xmlEscape(options.title)}</title><updated>${updated}</updated>` +
    `<author><name/></author><link href="${xmlEscape(options.path)}" rel="self" title="${xmlEscape(options.title)}"/>` +
    (options.count !== undefined ? `<m:count>${options.count}</m:count>` : '') +
    entities.map(e => atomEntry(binding, e, ctx, options.select, options.expand)).join('') +
    (options.next !== undefined ? `<link href="${xmlEscape(options.next)}" rel="next"/>` : '') +
    '</feed>'
}

export function atomEntryDocument (binding: TypeBinding, e: Entity, ctx: SerializeContext, select?: Set<string>, expand?: Set<string>): string {
  return `<?xml version="1.0" encoding="utf-8"?>${atomEntry(binding, e, ctx, select, expand, true)}`
}
