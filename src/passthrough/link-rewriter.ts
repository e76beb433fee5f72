import { Transform, type TransformCallback } from 'node:stream'

export interface Replacement {
  from: string
  to: string
}

/**
 * The spellings under which SAP writes links to its own API in payloads and `Location`:
 * `https://host:443/api/v1` and `https://host/api/v1` (default port explicit or not).
 */
export function tenantLinkSpellings (tenantBaseUrl: string): string[] {
  const base = new URL(tenantBaseUrl)
  const defaultPort = base.protocol === 'https:' ? '443' : '80'
  const path = `${base.pathname.replace(/\/$/, '')}/api/v1`
  const hosts = base.port ? [base.host] : [`${base.hostname}:${defaultPort}`, base.hostname]
  return hosts.map((host) => `${base.protocol}//${host}${path}`)
}

export function tenantLinkReplacements (spellings: readonly string[], proxyMountUrl: string): Replacement[] {
  return spellings.map((from) => ({ from, to: proxyMountUrl }))
}

export function rewriteLinks (text: string, replacements: readonly Replacement[]): string {
  let result = text
  for (const { from, to } of replacements) result = result.split(from).join(to)
  return result
}

/**
 * Replaces byte strings in a stream without holding more than one chunk plus the longest
 * pattern, so matches that straddle chunk boundaries are still found.
 */
export class LinkRewriter extends Transform {
  readonly #patterns: Array<{ from: Buffer, to: Buffer }>
  readonly #keep: number
  #tail: Buffer = Buffer.alloc(0)

  constructor (replacements: readonly Replacement[]) {
    super()
    // Longer patterns first, so `host:443/api/v1` is not shadowed by a shorter spelling.
    this.#patterns = replacements
      .map(({ from, to }) => ({ from: Buffer.from(from), to: Buffer.from(to) }))
      .sort((a, b) => b.from.length - a.from.length)
    this.#keep = Math.max(0, ...this.#patterns.map(({ from }) => from.length - 1))
  }

  override _transform (chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const data = this.#tail.length > 0 ? Buffer.concat([this.#tail, chunk]) : chunk
    this.#tail = this.#emit(data, false)
    callback()
  }

  override _flush (callback: TransformCallback): void {
    this.#emit(this.#tail, true)
    this.#tail = Buffer.alloc(0)
    callback()
  }

  /** Pushes what is settled and returns the end that a pattern could still begin in. */
  #emit (data: Buffer, final: boolean): Buffer {
    let position = 0
    for (;;) {
      const match = this.#nextMatch(data, position)
      if (!match) break
      if (match.index > position) this.push(data.subarray(position, match.index))
      this.push(match.to)
      position = match.index + match.from.length
    }
    const held = final ? 0 : Math.min(this.#keep, data.length - position)
    const settledEnd = data.length - held
    if (settledEnd > position) this.push(data.subarray(position, settledEnd))
    return Buffer.from(data.subarray(settledEnd))
  }

  #nextMatch (data: Buffer, from: number): { index: number, from: Buffer, to: Buffer } | undefined {
    let best: { index: number, from: Buffer, to: Buffer } | undefined
    for (const pattern of this.#patterns) {
      const index = data.indexOf(pattern.from, from)
      if (index !== -1 && (best === undefined || index < best.index)) best = { index, ...pattern }
    }
    return best
  }
}
