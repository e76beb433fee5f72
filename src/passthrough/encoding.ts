import type { Transform } from 'node:stream'
import zlib from 'node:zlib'

const CODECS: Record<string, [() => Transform, () => Transform]> = {
  gzip: [() => zlib.createGunzip(), () => zlib.createGzip()],
  'x-gzip': [() => zlib.createGunzip(), () => zlib.createGzip()],
  deflate: [() => zlib.createInflate(), () => zlib.createDeflate()],
  br: [() => zlib.createBrotliDecompress(), () => zlib.createBrotliCompress({ params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } })]
}

/**
 * Runs `transform` on the decoded body and encodes the result as it came, so compression still
 * works end to end. Null for an encoding the proxy cannot decode: that body passes untouched.
 */
export function recompressing (encoding: string | string[] | undefined, transform: Transform): Transform[] | null {
  const name = (Array.isArray(encoding) ? encoding.join(',') : encoding ?? 'identity').trim().toLowerCase()
  if (name === '' || name === 'identity') return [transform]
  const codec = CODECS[name]
  return codec ? [codec[0](), transform, codec[1]()] : null
}
