/**
 * Checks a raw request target of the passthrough and maps it onto SAP's `/api/v1` tree.
 * Everything is judged on the bytes the client sent, before any router decoding: a target that
 * could leave `/api/v1/` on the tenant (dot segments in any spelling, encoded separators,
 * backslashes, `//`, absolute form, NUL and control bytes, `;` parameters) is refused.
 */
export interface UpstreamTarget {
  /** Path below the tenant root, starting with `/api/v1`. */
  path: string
  /** The query string as received, without `?`, byte for byte ('' when absent). */
  query: string
}

export class UnsafePathError extends Error {
  override name = 'UnsafePathError'
}

// eslint-disable-next-line no-control-regex -- control bytes are exactly what is refused
const UNSAFE_BYTES = /[\\\x00-\x20\x7f;#]/
const ENCODED_SEPARATOR = /%(?:2f|5c|00|25)/i
const DOT_SEGMENT = /^(?:\.|%2e){1,2}$/i

export function upstreamTarget (rawUrl: string, mount: string, upstreamRoot = '/api/v1'): UpstreamTarget {
  const queryAt = rawUrl.indexOf('?')
  const rawPath = queryAt === -1 ? rawUrl : rawUrl.slice(0, queryAt)
  const query = queryAt === -1 ? '' : rawUrl.slice(queryAt + 1)

  if (!rawPath.startsWith('/')) throw new UnsafePathError('request target must be a path')
  if (rawPath !== mount && !rawPath.startsWith(`${mount}/`)) throw new UnsafePathError('path must start with the literal mount')
  const rest = rawPath.slice(mount.length)
  if (UNSAFE_BYTES.test(rawPath)) throw new UnsafePathError('path contains a forbidden character')
  if (ENCODED_SEPARATOR.test(rawPath)) throw new UnsafePathError('path contains an encoded separator')
  if (rest.includes('//')) throw new UnsafePathError('path contains an empty segment')

  for (const segment of rest.split('/')) {
    let decoded: string
    try {
      decoded = decodeURIComponent(segment)
    } catch {
      throw new UnsafePathError('path contains malformed percent-encoding')
    }
    if (DOT_SEGMENT.test(segment) || decoded === '.' || decoded === '..') throw new UnsafePathError('path contains a dot segment')
  }
  // eslint-disable-next-line no-control-regex -- as above
  if (/[\x00-\x1f\x7f]/.test(query)) throw new UnsafePathError('query contains a control character')

  return { path: `${upstreamRoot}${rest}`, query }
}
