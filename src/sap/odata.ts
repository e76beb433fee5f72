/**
 * OData V2 helpers for the proxy's own calls: key literals, dates, error bodies and next links.
 * No Fastify here; unit-tested on their own.
 * @see ../../../shared/docs/sap-cloud-integration-api.md
 */

/**
 * Ids the typed routes accept: SAP's technical names (letters, digits, `_`, `.`, `-`), starting
 * with a letter, digit or `_`. Quotes, parentheses, slashes, `?`, `#`, `%`, `,`, `=` and spaces
 * are refused before anything reaches SAP.
 */
export const ID_PATTERN = '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,199}$'
const ID_REGEXP = new RegExp(ID_PATTERN)

export function isValidId (id: string): boolean {
  return ID_REGEXP.test(id)
}

/**
 * An OData string literal for a key predicate: quotes doubled (`O'Brien` → `'O''Brien'`), then
 * every character outside `[A-Za-z0-9_.~-]` percent-encoded, including the `'()*!` that
 * `encodeURIComponent` leaves alone. The surrounding quotes stay raw, so the value can never
 * close the literal, add a predicate, a segment or a query option, whatever it contains.
 */
export function keyLiteral (value: string): string {
  const doubled = value.replace(/'/g, "''")
  const encoded = encodeURIComponent(doubled).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
  return `'${encoded}'`
}

/** `Set('id')` */
export function entityPath (set: string, id: string): string {
  return `${set}(${keyLiteral(id)})`
}

/** `Set(Id='id',Version='active')` */
export function compositeEntityPath (set: string, keys: Record<string, string>): string {
  return `${set}(${Object.entries(keys).map(([name, value]) => `${name}=${keyLiteral(value)}`).join(',')})`
}

const ODATA_DATE = /^\/Date\((-?\d{1,15})(?:[+-]\d{4})?\)\/$/
const EPOCH_MS = /^-?\d{1,15}$/

/**
 * An ISO 8601 string from SAP's date spellings: `/Date(ms)/` (Edm.DateTime, with or without an
 * offset), epoch milliseconds as a string or number (package and artifact dates), or an ISO
 * string. Null, empty and unreadable values become null.
 */
export function toIsoDate (value: unknown): string | null {
  let ms: number | undefined
  if (typeof value === 'number') ms = value
  else if (typeof value === 'string') {
    const trimmed = value.trim()
    const odata = ODATA_DATE.exec(trimmed)
    if (odata) ms = Number(odata[1])
    else if (EPOCH_MS.test(trimmed)) ms = Number(trimmed)
    else if (/^\d{4}-\d{2}-\d{2}T/.test(trimmed)) ms = Date.parse(trimmed)
  }
  if (ms === undefined || !Number.isFinite(ms)) return null
  const date = new Date(ms)
  return Number.isNaN(date.getTime()) ? null : date.toISOString()
}

/** OData V2 JSON booleans, tolerating the string spelling. Null and absent are false. */
export function toBoolean (value: unknown): boolean {
  return value === true || value === 'true'
}

/** A string property, or null when absent, null or not a string. */
export function toNullableString (value: unknown): string | null {
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return null
}

const MAX_MESSAGE_LENGTH = 500

/**
 * The human message of an OData error body
 * (`{"error": {"code": "Not Found", "message": {"lang": "en", "value": "…"}}}`), cleaned of
 * control characters and cut to a sane length; undefined when the body has none.
 */
export function sapErrorMessage (body: string): string | undefined {
  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  } catch {
    return undefined
  }
  const error = (parsed as { error?: { message?: unknown } } | null)?.error
  const message = error?.message
  const text = typeof message === 'string' ? message : (message as { value?: unknown } | undefined)?.value
  if (typeof text !== 'string') return undefined
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim()
  if (clean === '') return undefined
  return clean.length > MAX_MESSAGE_LENGTH ? `${clean.slice(0, MAX_MESSAGE_LENGTH)}…` : clean
}

/**
 * The path (relative to the API root, as `Tenant.callApi` takes it) of SAP's `__next` link.
 * The link may be absolute (host with `:443`) or relative to the service root; a bare `?…` is
 * relative to the page it came from. A link that leaves the tenant's API root is refused, so the
 * bearer is never sent elsewhere. Returns undefined for such a link.
 */
export function nextLinkPath (link: string, currentPath: string, apiUrl: string): string | undefined {
  const root = new URL(apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`)
  let resolved: URL
  try {
    resolved = link.startsWith('?') ? new URL(link, new URL(currentPath, root)) : new URL(link, root)
  } catch {
    return undefined
  }
  if (resolved.origin !== root.origin || resolved.username !== '' || resolved.password !== '') return undefined
  if (!resolved.pathname.startsWith(root.pathname) || resolved.pathname.length === root.pathname.length) return undefined
  return resolved.pathname.slice(root.pathname.length) + resolved.search
}
