import { STATUS_CODES } from 'node:http'

/**
 * An error the sandbox answers in SAP's OData V2 error shape:
 * `{"error":{"code":"<HTTP reason phrase>","message":{"lang":"en","value":"…"}}}`.
 * The texts follow Apache Olingo V2's message templates, as SAP's do.
 */
export class ODataError extends Error {
  readonly status: number
  readonly headers: Record<string, string>

  constructor (status: number, message: string, headers: Record<string, string> = {}) {
    super(message)
    this.name = 'ODataError'
    this.status = status
    this.headers = headers
  }

  get code (): string {
    return reasonPhrase(this.status)
  }
}

export function reasonPhrase (status: number): string {
  return STATUS_CODES[status] ?? 'Error'
}

export const notFound = (): ODataError => new ODataError(404, 'Requested entity could not be found.')
export const badRequest = (message: string): ODataError => new ODataError(400, message)
export const invalidKeyPredicate = (text: string): ODataError => new ODataError(400, `Invalid key predicate: '${text}'.`)
export const unknownLiteral = (text: string): ODataError => new ODataError(400, `Unknown literal: '${text}'.`)
export const notImplemented = (): ODataError => new ODataError(501, 'Not implemented.')
export const methodNotAllowed = (method: string): ODataError =>
  new ODataError(405, `The request dispatching method '${method}' is not allowed.`)
