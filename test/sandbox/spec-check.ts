/**
 * A small checker of the sandbox's JSON answers against SAP's Swagger 2 specs. Not a full JSON
 * Schema validator, on purpose: SAP's specs are reference data with known flaws, and the checks
 * below say how each is handled.
 *
 * - Response schemas disagree on the envelope: some are `{value: [...]}` (OData V4 style), some
 *   `{d: {results: [...]}}`, some are the bare definition, and BuildAndDeployStatus even nests `d`
 *   twice. The examples, taken from real tenants, all use V2's `{d: {results}}` / `{d: {...}}`.
 *   So the envelope is checked against the V2 shape and the entity schema is found by unwrapping
 *   `d`, `results` and `value` until a definition remains.
 * - Types: the specs write JSON Schema style `type: ["string", "null"]` (not Swagger 2). A value
 *   must have one of the listed types. `null` is accepted for any property: Swagger 2 has no
 *   `nullable`, and OData V2 properties are nullable unless `Nullable="false"`.
 * - `format` is not checked: DeployedOn and LogStart are declared `date-time` but SAP sends
 *   `/Date(ms)/` (the examples show it); ArtifactContent's `base64url` is null in reads.
 * - `x-` extensions and `example`s are ignored.
 * - Navigation properties are typed as arrays or `$ref`s in the definitions; in a V2 answer they
 *   are `{"__deferred": {"uri"}}` (or inlined with $expand). A `__deferred` object is accepted
 *   where the definition declares an array, an object with `results`, or a `$ref` to an entity.
 * - `__metadata` is not in most definitions; it is checked on its own (id, uri, type present,
 *   absolute urls). Where a definition does declare it (BuildAndDeployStatus) it is checked too.
 * - Properties real tenants return but the definitions lack are allowed only when listed in
 *   `knownExtras` by the caller, with their types.
 */

type Schema = {
  $ref?: string
  type?: string | string[]
  properties?: Record<string, Schema>
  items?: Schema
  required?: string[]
  [key: string]: unknown
}

export interface Spec {
  paths: Record<string, Record<string, { responses?: Record<string, { schema?: Schema, examples?: Record<string, unknown> }>, produces?: string[] }>>
  definitions: Record<string, Schema>
}

export type Extras = Record<string, Record<string, string[]>>

export function resolve (spec: Spec, schema: Schema): { schema: Schema, name?: string } {
  let current = schema
  let name: string | undefined
  for (let i = 0; current.$ref !== undefined && i < 10; i++) {
    name = current.$ref.replace(/^#\/definitions\//, '')
    const next = spec.definitions[name]
    if (next === undefined) throw new Error(`unresolvable $ref ${current.$ref}`)
    current = next
  }
  return { schema: current, ...(name !== undefined ? { name } : {}) }
}

/** Unwraps `d`, `results` and `value` down to the entity's definition. */
export function entitySchema (spec: Spec, responseSchema: Schema): { schema: Schema, name?: string, many: boolean } {
  let { schema, name } = resolve(spec, responseSchema)
  let many = false
  for (let i = 0; i < 6; i++) {
    const props = schema.properties ?? {}
    const wrapper = props.d ?? (props.results?.type === 'array' ? props.results.items : undefined) ?? (props.value?.type === 'array' ? props.value.items : undefined)
    if (wrapper === undefined) break
    if (props.d === undefined) many = true
    const next = resolve(spec, wrapper)
    schema = next.schema
    name = next.name ?? name
  }
  return { schema, many, ...(name !== undefined ? { name } : {}) }
}

function jsonType (value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number'
  return typeof value
}

function typeAccepts (declared: string | string[] | undefined, actual: string): boolean {
  if (declared === undefined) return true
  const list = Array.isArray(declared) ? declared : [declared]
  return list.includes(actual) || (actual === 'integer' && list.includes('number'))
}

function isDeferred (value: unknown): boolean {
  const deferred = (value as { __deferred?: { uri?: unknown } } | null)?.__deferred
  return typeof deferred?.uri === 'string' && /^https?:\/\//.test(deferred.uri)
}

function checkMetadata (value: unknown, at: string, problems: string[]): void {
  const m = value as Record<string, unknown> | undefined
  if (m === undefined || typeof m !== 'object' || m === null) { problems.push(`${at}: __metadata missing`); return }
  for (const k of ['id', 'uri', 'type']) if (typeof m[k] !== 'string') problems.push(`${at}.__metadata.${k} missing`)
  for (const k of ['id', 'uri', 'media_src', 'edit_media']) {
    if (m[k] !== undefined && !/^https?:\/\/[^/]+:\d+\//.test(String(m[k]))) problems.push(`${at}.__metadata.${k} is not absolute with a port: ${String(m[k])}`)
  }
}

/** Checks one entity (or complex value) against its definition; returns the problems found. */
export function checkEntity (spec: Spec, schema: Schema, value: unknown, at: string, extras: Extras, name?: string, nested = false): string[] {
  const problems: string[] = []
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${at}: not an object`]
  const row = value as Record<string, unknown>
  const props = schema.properties ?? {}
  if (!nested && props.__metadata === undefined) checkMetadata(row.__metadata, at, problems)
  for (const [key, v] of Object.entries(row)) {
    if (key === '__metadata' && props.__metadata === undefined) continue
    const declared = props[key]
    if (declared === undefined) {
      const extra = name === undefined ? undefined : extras[name]?.[key]
      if (extra === undefined) problems.push(`${at}.${key}: not in the spec's definition ${name ?? '(anonymous)'}`)
      else if (!extra.includes(jsonType(v))) problems.push(`${at}.${key}: ${jsonType(v)} where ${extra.join('|')} is documented`)
      continue
    }
    const { schema: p, name: refName } = resolve(spec, declared)
    if (isDeferred(v)) {
      const navigable = p.type === 'array' || p.properties?.results !== undefined || declared.$ref !== undefined
      if (!navigable) problems.push(`${at}.${key}: __deferred where the spec declares ${JSON.stringify(p.type)}`)
      continue
    }
    if (v === null) continue
    if (p.properties !== undefined && typeof v === 'object' && !Array.isArray(v)) {
      problems.push(...checkEntity(spec, p, v, `${at}.${key}`, extras, refName, true))
      continue
    }
    if (!typeAccepts(p.type, jsonType(v))) problems.push(`${at}.${key}: ${jsonType(v)} where the spec says ${JSON.stringify(p.type)}`)
  }
  for (const key of schema.required ?? []) if (!(key in row)) problems.push(`${at}.${key}: required, missing`)
  return problems
}

/** Primitive (non-navigation, non-complex) properties of a definition. */
export function primitiveProperties (spec: Spec, schema: Schema): string[] {
  return Object.entries(schema.properties ?? {})
    .filter(([k, p]) => k !== '__metadata' && p.$ref === undefined && resolve(spec, p).schema.type !== 'array' && resolve(spec, p).schema.properties === undefined)
    .map(([k]) => k)
}
