import { createHash, type Hash } from 'node:crypto'
import { badRequest } from './errors.js'

/**
 * Request bodies are consumed as streams: hashed (sha256) and counted as they arrive, never held
 * whole. For JSON bodies a small scanner keeps the structure with every string cut at
 * `MAX_STRING` characters, enough to `JSON.parse` the small fields (Id, Name, PackageId), while
 * the value of a top-level `ArtifactContent` is base64-decoded on the fly and hashed too.
 */

const MAX_STRING = 64 * 1024
const MAX_KEPT = 1024 * 1024

export interface BodyDigest {
  bytes: number
  sha256: string
  /** Decoded size and sha256 of a top-level `ArtifactContent` (base64) of a JSON body. */
  artifactContent?: { bytes: number, sha256: string }
  /** The JSON body, long strings cut; undefined when the body is not JSON or empty. */
  json?: unknown
}

const QUOTE = 0x22
const BACKSLASH = 0x5c

/** Streaming base64 decoder feeding a hash. Node's decoder accepts the url-safe alphabet too. */
class Base64Hash {
  readonly #hash: Hash = createHash('sha256')
  #carry = ''
  bytes = 0

  push (text: string): void {
    const clean = this.#carry + text.replace(/[^A-Za-z0-9+/\-_]/g, '')
    const usable = clean.length - (clean.length % 4)
    this.#write(clean.slice(0, usable))
    this.#carry = clean.slice(usable)
  }

  #write (text: string): void {
    if (text === '') return
    const bytes = Buffer.from(text, 'base64')
    this.bytes += bytes.length
    this.#hash.update(bytes)
  }

  digest (): { bytes: number, sha256: string } {
    this.#write(this.#carry)
    return { bytes: this.bytes, sha256: this.#hash.digest('hex') }
  }
}

/** Keeps a JSON text with long strings cut, and decodes `ArtifactContent` at depth 1. */
export class JsonScanner {
  readonly #kept: Buffer[] = []
  #keptBytes = 0
  #inString = false
  #pendingEscape = false
  #stringLength = 0
  #cut = false
  #depth = 0
  #afterColon = false
  #lastString = ''
  #collecting: number[] | undefined
  #lastKey: string | undefined
  #content: Base64Hash | undefined
  #contentDone: { bytes: number, sha256: string } | undefined

  #keep (chunk: Buffer): void {
    this.#keptBytes += chunk.length
    if (this.#keptBytes > MAX_KEPT) throw badRequest('The request body has too many fields.')
    this.#kept.push(chunk)
  }

  #structural (seg: Buffer): void {
    this.#keep(seg)
    for (const c of seg) {
      if (c === 0x7b || c === 0x5b) { this.#depth++; this.#afterColon = false } else if (c === 0x7d || c === 0x5d) { this.#depth--; this.#afterColon = false } else if (c === 0x3a) {
        this.#afterColon = true
        this.#lastKey = this.#lastString
      } else if (c === 0x2c) { this.#afterColon = false; this.#lastKey = undefined } else if (c > 0x20) this.#afterColon = false
    }
  }

  #stringRun (run: Buffer): void {
    if (this.#content !== undefined) this.#content.push(run.toString('latin1'))
    if (this.#collecting !== undefined && this.#collecting.length + run.length <= 256) this.#collecting.push(...run)
    else this.#collecting = undefined
    if (this.#cut) return
    const room = MAX_STRING - this.#stringLength
    if (run.length <= room) {
      this.#keep(run)
      this.#stringLength += run.length
    } else {
      this.#keep(run.subarray(0, room))
      this.#cut = true
    }
  }

  #escape (next: number): void {
    if (this.#content !== undefined && next === 0x2f) this.#content.push('/')
    if (this.#collecting !== undefined) this.#collecting.push(BACKSLASH, next)
    if (!this.#cut) {
      this.#keep(Buffer.from([BACKSLASH, next]))
      this.#stringLength += 2
    }
  }

  write (chunk: Buffer): void {
    let i = 0
    if (this.#pendingEscape && chunk.length > 0) {
      this.#pendingEscape = false
      this.#escape(chunk[0] as number)
      i = 1
    }
    while (i < chunk.length) {
      if (!this.#inString) {
        const q = chunk.indexOf(QUOTE, i)
        this.#structural(chunk.subarray(i, q < 0 ? chunk.length : q))
        if (q < 0) return
        this.#keep(Buffer.from('"'))
        this.#inString = true
        this.#stringLength = 0
        this.#cut = false
        this.#collecting = []
        if (this.#afterColon && this.#depth === 1 && this.#lastKey === 'ArtifactContent') this.#content = new Base64Hash()
        i = q + 1
        continue
      }
      const q = chunk.indexOf(QUOTE, i)
      const bs = chunk.indexOf(BACKSLASH, i)
      const stop = q < 0 ? bs : bs < 0 ? q : Math.min(q, bs)
      this.#stringRun(chunk.subarray(i, stop < 0 ? chunk.length : stop))
      if (stop < 0) return
      if (stop === bs) {
        if (stop + 1 < chunk.length) {
          this.#escape(chunk[stop + 1] as number)
          i = stop + 2
        } else {
          this.#pendingEscape = true
          return
        }
        continue
      }
      this.#keep(Buffer.from('"'))
      this.#inString = false
      this.#afterColon = false
      if (this.#content !== undefined) {
        this.#contentDone = this.#content.digest()
        this.#content = undefined
      }
      this.#lastString = this.#collecting !== undefined ? safeParseString(Buffer.from(this.#collecting)) : ''
      this.#collecting = undefined
      i = q + 1
    }
  }

  result (): { json: unknown, artifactContent?: { bytes: number, sha256: string } } {
    const text = Buffer.concat(this.#kept).toString('utf8')
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      throw badRequest('The request body is not valid JSON.')
    }
    return { json, ...(this.#contentDone !== undefined ? { artifactContent: this.#contentDone } : {}) }
  }
}

function safeParseString (inner: Buffer): string {
  try {
    return JSON.parse(`"${inner.toString('utf8')}"`) as string
  } catch {
    return ''
  }
}

/** Reads a request body to its end: sha256 and size always, the JSON document when asked. */
export async function consumeBody (stream: AsyncIterable<Buffer | string>, parseJson: boolean): Promise<BodyDigest> {
  const hash = createHash('sha256')
  const scanner = parseJson ? new JsonScanner() : undefined
  let bytes = 0
  for await (const part of stream) {
    const chunk = typeof part === 'string' ? Buffer.from(part) : part
    bytes += chunk.length
    hash.update(chunk)
    scanner?.write(chunk)
  }
  const digest: BodyDigest = { bytes, sha256: hash.digest('hex') }
  if (scanner === undefined || bytes === 0) return digest
  return { ...digest, ...scanner.result() }
}

/** Reads a small body (token requests) as text, refusing more than `limit` bytes. */
export async function readSmallBody (stream: AsyncIterable<Buffer | string>, limit: number): Promise<string> {
  const parts: Buffer[] = []
  let size = 0
  for await (const part of stream) {
    const chunk = typeof part === 'string' ? Buffer.from(part) : part
    size += chunk.length
    if (size > limit) throw badRequest('The request body is too large.')
    parts.push(chunk)
  }
  return Buffer.concat(parts).toString('utf8')
}
