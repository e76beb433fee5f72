import { Transform, type TransformCallback } from 'node:stream'

export class BodyTooLargeError extends Error {
  override name = 'BodyTooLargeError'
  constructor (readonly limit: number) {
    super(`request body exceeds ${limit} bytes`)
  }
}

/** Passes a body through and fails it, aborting the upstream request, once it exceeds `limit` bytes. */
export class BodyLimit extends Transform {
  #seen = 0

  constructor (private readonly limit: number) {
    super()
  }

  override _transform (chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#seen += chunk.length
    if (this.#seen > this.limit) callback(new BodyTooLargeError(this.limit))
    else callback(null, chunk)
  }
}
