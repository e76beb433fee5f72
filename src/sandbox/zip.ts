import { Readable } from 'node:stream'
import { crc32 } from 'node:zlib'

/**
 * A deterministic zip writer of an exact total size, streamed in chunks and never held in memory
 * whole. The archive holds small text entries (stored) and one pseudo-random filler entry sized so
 * that the archive is exactly `targetSize` bytes. The filler's CRC is computed in a first pass over
 * the same generator (cached), because a STORED entry needs it in its local header (a data
 * descriptor after a STORED entry is rejected by Java's ZipInputStream).
 * `zlib.crc32` is in Node >= 20.15; package.json asks for >= 20.19.
 */

export interface ZipEntry {
  name: string
  data: Buffer
}

export interface ZipSpec {
  entries: ZipEntry[]
  fillerName: string
  seed: number
  targetSize: number
  /** Modification time written into every entry, so the bytes do not depend on the clock. */
  date: Date
}

export interface ZipArchive {
  size: number
  stream: () => Readable
}

const CHUNK = 64 * 1024
const LOCAL = 30
const CENTRAL = 46
const END = 22
const MAX_SIZE = 0xffff_fff0 // no zip64

const crcCache = new Map<string, number>()

/**
 * Yields `size` pseudo-random bytes (xorshift32) in chunks of 64 KiB. The words are laid out in the
 * platform's byte order, little-endian on every platform Node runs on in practice.
 */
export function * fillerChunks (seed: number, size: number): Generator<Buffer> {
  let x = (seed >>> 0) || 0x9e3779b9
  let left = size
  while (left > 0) {
    const len = Math.min(CHUNK, left)
    const words = new Uint32Array(Math.ceil(len / 4))
    for (let i = 0; i < words.length; i++) {
      x ^= x << 13; x >>>= 0
      x ^= x >>> 17
      x ^= x << 5; x >>>= 0
      words[i] = x
    }
    yield Buffer.from(words.buffer, 0, len)
    left -= len
  }
}

function fillerCrc (seed: number, size: number): number {
  const key = `${seed}:${size}`
  const cached = crcCache.get(key)
  if (cached !== undefined) return cached
  let crc = 0
  for (const chunk of fillerChunks(seed, size)) crc = crc32(chunk, crc)
  if (crcCache.size > 256) crcCache.clear()
  crcCache.set(key, crc)
  return crc
}

function dosDateTime (date: Date): { time: number, date: number } {
  return {
    time: (date.getUTCHours() << 11) | (date.getUTCMinutes() << 5) | Math.floor(date.getUTCSeconds() / 2),
    date: ((date.getUTCFullYear() - 1980) << 9) | ((date.getUTCMonth() + 1) << 5) | date.getUTCDate()
  }
}

interface Planned { name: Buffer, size: number, crc: number, offset: number, data?: Buffer }

function localHeader (e: Planned, dos: { time: number, date: number }): Buffer {
  const h = Buffer.alloc(LOCAL + e.name.length)
  h.writeUInt32LE(0x04034b50, 0)
  h.writeUInt16LE(10, 4) // version needed: stored
  h.writeUInt16LE(0x0800, 6) // utf-8 names
  h.writeUInt16LE(0, 8) // stored
  h.writeUInt16LE(dos.time, 10)
  h.writeUInt16LE(dos.date, 12)
  h.writeUInt32LE(e.crc, 14)
  h.writeUInt32LE(e.size, 18)
  h.writeUInt32LE(e.size, 22)
  h.writeUInt16LE(e.name.length, 26)
  h.writeUInt16LE(0, 28)
  e.name.copy(h, LOCAL)
  return h
}

function centralHeader (e: Planned, dos: { time: number, date: number }): Buffer {
  const h = Buffer.alloc(CENTRAL + e.name.length)
  h.writeUInt32LE(0x02014b50, 0)
  h.writeUInt16LE(20, 4)
  h.writeUInt16LE(10, 6)
  h.writeUInt16LE(0x0800, 8)
  h.writeUInt16LE(0, 10)
  h.writeUInt16LE(dos.time, 12)
  h.writeUInt16LE(dos.date, 14)
  h.writeUInt32LE(e.crc, 16)
  h.writeUInt32LE(e.size, 20)
  h.writeUInt32LE(e.size, 24)
  h.writeUInt16LE(e.name.length, 28)
  // extra, comment, disk, internal and external attributes: 0
  h.writeUInt32LE(e.offset, 42)
  e.name.copy(h, CENTRAL)
  return h
}

/**
 * Plans the archive. A `targetSize` below the size of the fixed entries gives the smallest archive
 * possible (with an empty filler), so `size` may exceed `targetSize` for tiny targets.
 */
export function zipArchive (spec: ZipSpec): ZipArchive {
  if (spec.targetSize > MAX_SIZE) throw new RangeError('artifactSize must stay below 4 GiB (no zip64)')
  const dos = dosDateTime(spec.date)
  const fillerName = Buffer.from(spec.fillerName)
  const fixed = spec.entries.map(e => ({ name: Buffer.from(e.name), data: e.data }))
  let overhead = END + LOCAL + CENTRAL + 2 * fillerName.length
  for (const e of fixed) overhead += LOCAL + CENTRAL + 2 * e.name.length + e.data.length
  const fillerSize = Math.max(0, spec.targetSize - overhead)
  const size = overhead + fillerSize

  const plan = (): Planned[] => {
    const planned: Planned[] = []
    let offset = 0
    for (const e of fixed) {
      planned.push({ name: e.name, size: e.data.length, crc: crc32(e.data), offset, data: e.data })
      offset += LOCAL + e.name.length + e.data.length
    }
    planned.push({ name: fillerName, size: fillerSize, crc: fillerCrc(spec.seed, fillerSize), offset })
    return planned
  }

  function * chunks (): Generator<Buffer> {
    const planned = plan()
    for (const e of planned) {
      yield localHeader(e, dos)
      if (e.data !== undefined) yield e.data
      else yield * fillerChunks(spec.seed, e.size)
    }
    const central = Buffer.concat(planned.map(e => centralHeader(e, dos)))
    const last = planned[planned.length - 1] as Planned
    const centralOffset = last.offset + LOCAL + last.name.length + last.size
    const end = Buffer.alloc(END)
    end.writeUInt32LE(0x06054b50, 0)
    end.writeUInt16LE(planned.length, 8)
    end.writeUInt16LE(planned.length, 10)
    end.writeUInt32LE(central.length, 12)
    end.writeUInt32LE(centralOffset, 16)
    yield central
    yield end
  }

  return { size, stream: () => Readable.from(chunks(), { objectMode: false }) }
}
