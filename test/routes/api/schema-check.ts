import { FormatRegistry, type TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import type { Test } from 'tap'

// TypeBox checks no format it does not know: register the one the models use.
if (!FormatRegistry.Has('date-time')) {
  FormatRegistry.Set('date-time', (value) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value) && !Number.isNaN(Date.parse(value)))
}

/**
 * Checks a route's answer against the TypeBox schema it declares, including that no property
 * outside the schema slipped through, reporting the first errors.
 */
export function assertShape (t: Test, schema: TSchema, value: unknown, message = 'the answer matches its schema'): void {
  const errors = [...Value.Errors(schema, value)].slice(0, 5).map((error) => `${error.path}: ${error.message}`)
  t.same(errors, [], message)
  t.same(Value.Clean(schema, structuredClone(value)), value, `${message}, with no property outside it`)
}

/** The same, for a schema that must reject the value. */
export function rejects (schema: TSchema, value: unknown): boolean {
  return !Value.Check(schema, value)
}
