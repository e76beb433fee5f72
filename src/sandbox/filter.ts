import { badRequest } from './errors.js'
import { complexTypes, findProperty, type EntityTypeDef } from './model.js'
import { parseLiteral } from './uri.js'

/**
 * A small `$filter` / `$orderby` implementation: comparisons (eq ne gt ge lt le), and/or/not,
 * parentheses, string/number/boolean/null/datetime literals, `Complex/Member` paths and the string
 * functions SAP documents (substringof, startswith, endswith, tolower, toupper, length, indexof).
 * DateTime properties are compared as epoch milliseconds.
 */

type Row = Record<string, unknown>
type Fn = (row: Row) => unknown

const FUNCTIONS: Record<string, (args: unknown[]) => unknown> = {
  substringof: ([a, b]) => str(b).includes(str(a)),
  startswith: ([a, b]) => str(a).startsWith(str(b)),
  endswith: ([a, b]) => str(a).endsWith(str(b)),
  tolower: ([a]) => a === null ? null : str(a).toLowerCase(),
  toupper: ([a]) => a === null ? null : str(a).toUpperCase(),
  length: ([a]) => str(a).length,
  indexof: ([a, b]) => str(a).indexOf(str(b)),
  trim: ([a]) => str(a).trim()
}

function str (value: unknown): string {
  return value === null || value === undefined ? '' : String(value)
}

const TOKEN = /\s*(datetime'[^']*'|'(?:[^']|'')*'|\(|\)|,|[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?[LlMmDdFf]?(?![A-Za-z_])|[A-Za-z_][A-Za-z0-9_]*(?:\/[A-Za-z_][A-Za-z0-9_]*)*)/y

function tokenize (text: string): string[] {
  const tokens: string[] = []
  TOKEN.lastIndex = 0
  let pos = 0
  while (pos < text.length) {
    if (/^\s+$/.test(text.slice(pos))) break
    TOKEN.lastIndex = pos
    const m = TOKEN.exec(text)
    if (m?.[1] === undefined) throw invalid(text)
    tokens.push(m[1])
    pos = TOKEN.lastIndex
  }
  return tokens
}

function invalid (text: string): Error {
  return badRequest(`Invalid filter expression: '${text}'.`)
}

export function compileFilter (text: string, type: EntityTypeDef): (row: Row) => boolean {
  const tokens = tokenize(text)
  let i = 0
  const peek = (): string | undefined => tokens[i]
  const take = (expected?: string): string => {
    const t = tokens[i++]
    if (t === undefined || (expected !== undefined && t !== expected)) throw invalid(text)
    return t
  }

  const orExpr = (): Fn => {
    let left = andExpr()
    while (peek() === 'or') {
      take()
      const l = left
      const r = andExpr()
      left = row => l(row) === true || r(row) === true
    }
    return left
  }
  const andExpr = (): Fn => {
    let left = notExpr()
    while (peek() === 'and') {
      take()
      const l = left
      const r = notExpr()
      left = row => l(row) === true && r(row) === true
    }
    return left
  }
  const notExpr = (): Fn => {
    if (peek() === 'not') {
      take()
      const inner = notExpr()
      return row => inner(row) !== true
    }
    return comparison()
  }
  const comparison = (): Fn => {
    const left = primary()
    const op = peek()
    if (op === undefined || !['eq', 'ne', 'gt', 'ge', 'lt', 'le'].includes(op)) return left
    take()
    const right = primary()
    return row => compare(op, left(row), right(row))
  }
  const primary = (): Fn => {
    const t = take()
    if (t === '(') {
      const inner = orExpr()
      take(')')
      return inner
    }
    if (t.startsWith("'") || t.startsWith("datetime'") || /^[-+]?\d/.test(t) || t === 'true' || t === 'false' || t === 'null') {
      const literal = parseLiteral(t)
      const value = literal.kind === 'null' ? null : literal.value
      return () => value
    }
    const fn = FUNCTIONS[t]
    if (fn !== undefined && peek() === '(') {
      take('(')
      const args: Fn[] = []
      if (peek() !== ')') {
        args.push(orExpr())
        while (peek() === ',') { take(); args.push(orExpr()) }
      }
      take(')')
      return row => fn(args.map(a => a(row)))
    }
    return propertyGetter(t, type, text)
  }

  const fn = orExpr()
  if (i !== tokens.length) throw invalid(text)
  return row => fn(row) === true
}

function propertyGetter (path: string, type: EntityTypeDef, text: string): Fn {
  const [head, member, ...rest] = path.split('/')
  const property = head === undefined ? undefined : findProperty(type, head)
  if (property === undefined || rest.length > 0 || head === undefined) throw invalid(text)
  if (member === undefined) return row => row[head] ?? null
  const complex = complexTypes[property.type]
  if (complex === undefined || findProperty(complex, member) === undefined) throw invalid(text)
  return row => (row[head] as Row | null | undefined)?.[member] ?? null
}

function compare (op: string, a: unknown, b: unknown): boolean {
  if (op === 'eq') return a === b
  if (op === 'ne') return a !== b
  if (a === null || b === null || typeof a !== typeof b) return false
  const x = a as string | number
  const y = b as string | number
  switch (op) {
    case 'gt': return x > y
    case 'ge': return x >= y
    case 'lt': return x < y
    default: return x <= y
  }
}

/** `$orderby=LogEnd desc,Status`: a comparator over rows. */
export function compileOrderBy (text: string, type: EntityTypeDef): (a: Row, b: Row) => number {
  const keys = text.split(',').map(part => {
    const [name, dir, extra] = part.trim().split(/\s+/)
    if (name === undefined || findProperty(type, name) === undefined || extra !== undefined || (dir !== undefined && dir !== 'asc' && dir !== 'desc')) {
      throw badRequest(`Invalid order by expression: '${text}'.`)
    }
    return { name, sign: dir === 'desc' ? -1 : 1 }
  })
  return (a, b) => {
    for (const { name, sign } of keys) {
      const x = a[name] as string | number | boolean | null | undefined
      const y = b[name] as string | number | boolean | null | undefined
      if (x === y) continue
      if (x === null || x === undefined) return -sign
      if (y === null || y === undefined) return sign
      return (x < y ? -1 : 1) * sign
    }
    return 0
  }
}
