import { ODataError, badRequest, invalidKeyPredicate, unknownLiteral } from './errors.js'

/**
 * OData V2 URI parsing on the raw request target, so that what was received is what is parsed:
 * path segments are split on `/` before percent-decoding (an encoded `%2F` stays inside its key),
 * query values are percent-decoded without turning `+` into a space.
 */

export type Literal =
  | { kind: 'string', value: string }
  | { kind: 'number', value: number, text: string }
  | { kind: 'boolean', value: boolean }
  | { kind: 'null' }
  | { kind: 'datetime', value: number, text: string }

export interface KeyPart {
  name?: string
  literal: Literal
}

export interface Segment {
  name: string
  /** The text between the parentheses, decoded, as written. */
  keyText?: string
  key?: KeyPart[]
}

export interface QueryParam {
  /** The pair as received, for re-emitting it byte for byte (e.g. in `__next`). */
  raw: string
  name: string
  value: string
}

export interface ParsedUri {
  segments: Segment[]
  query: QueryParam[]
}

export function decode (text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    throw badRequest(`Invalid URI: '${text}'.`)
  }
}

/** An absolute-form request target (`http://host/path`) as origin-form (`/path`). */
export function originForm (rawUrl: string): string {
  const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/.exec(rawUrl)
  return m === null ? rawUrl : rawUrl.slice(m[0].length) || '/'
}

/** Splits `/api/v1/A('x')/B?$top=1` (prefix given) into segments and query parameters. */
export function parseUri (target: string, prefix: string): ParsedUri {
  const rawUrl = originForm(target)
  const q = rawUrl.indexOf('?')
  const rawPath = q < 0 ? rawUrl : rawUrl.slice(0, q)
  const rawQuery = q < 0 ? '' : rawUrl.slice(q + 1)
  let rest = rawPath.slice(prefix.length)
  if (rest.startsWith('/')) rest = rest.slice(1)
  if (rest.endsWith('/')) rest = rest.slice(0, -1)
  const segments = rest === '' ? [] : rest.split('/').map(raw => parseSegment(decode(raw)))
  return { segments, query: parseQuery(rawQuery) }
}

export function parseQuery (rawQuery: string): QueryParam[] {
  if (rawQuery === '') return []
  return rawQuery.split('&').filter(p => p !== '').map(raw => {
    const eq = raw.indexOf('=')
    const name = decode(eq < 0 ? raw : raw.slice(0, eq))
    const value = eq < 0 ? '' : decode(raw.slice(eq + 1))
    return { raw, name, value }
  })
}

const NAME = /^(?:[A-Za-z_][A-Za-z0-9_]*|\$value|\$count|\$metadata|\$batch|\$links)$/

export function parseSegment (text: string): Segment {
  const open = text.indexOf('(')
  const name = open < 0 ? text : text.slice(0, open)
  if (!NAME.test(name)) {
    throw new ODataError(404, `Could not find an entity set or function import for '${text}'.`)
  }
  if (open < 0) return { name }
  if (!text.endsWith(')')) throw invalidKeyPredicate(text.slice(open + 1))
  const keyText = text.slice(open + 1, -1)
  return { name, keyText, key: parseKeyPredicate(keyText) }
}

/** `'a'`, `Id='a',Version='b'`; quotes inside literals are doubled. */
export function parseKeyPredicate (text: string): KeyPart[] {
  const parts = splitTopLevel(text, ',')
  if (parts.length === 0 || parts.some(p => p.trim() === '')) throw invalidKeyPredicate(text)
  const result: KeyPart[] = []
  for (const part of parts) {
    const eq = indexOutsideQuotes(part, '=')
    if (eq < 0) {
      if (parts.length > 1) throw invalidKeyPredicate(text)
      result.push({ literal: parseLiteral(part.trim()) })
    } else {
      const name = part.slice(0, eq).trim()
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw invalidKeyPredicate(text)
      result.push({ name, literal: parseLiteral(part.slice(eq + 1).trim()) })
    }
  }
  return result
}

/** Parses one URI literal: `'text'`, `datetime'…'`, numbers, `true`/`false`, `null`. */
export function parseLiteral (text: string): Literal {
  if (text.length >= 2 && text.startsWith("'") && text.endsWith("'")) {
    const inner = text.slice(1, -1)
    if (inner.replace(/''/g, '').includes("'")) throw unknownLiteral(text)
    return { kind: 'string', value: inner.replace(/''/g, "'") }
  }
  const dt = /^datetime'(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?)'$/.exec(text)
  if (dt?.[1] !== undefined) {
    const ms = Date.parse(`${dt[1]}Z`)
    if (Number.isNaN(ms)) throw unknownLiteral(text)
    return { kind: 'datetime', value: ms, text }
  }
  if (/^[-+]?\d+(\.\d+)?([eE][-+]?\d+)?[LlMmDdFf]?$/.test(text)) {
    return { kind: 'number', value: Number(text.replace(/[LlMmDdFf]$/, '')), text }
  }
  if (text === 'true' || text === 'false') return { kind: 'boolean', value: text === 'true' }
  if (text === 'null') return { kind: 'null' }
  throw unknownLiteral(text)
}

/** Formats a string key literal for a url: quotes doubled, then percent-encoded. */
export function keyLiteral (value: string): string {
  return `'${encodeURIComponent(value.replace(/'/g, "''"))}'`
}

function indexOutsideQuotes (text: string, char: string): number {
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (c === "'") quoted = !quoted
    else if (c === char && !quoted) return i
  }
  return -1
}

function splitTopLevel (text: string, separator: string): string[] {
  const parts: string[] = []
  let quoted = false
  let start = 0
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (c === "'") quoted = !quoted
    else if (c === separator && !quoted) {
      parts.push(text.slice(start, i))
      start = i + 1
    }
  }
  parts.push(text.slice(start))
  return parts
}
