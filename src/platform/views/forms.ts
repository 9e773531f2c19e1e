import type { TFunction } from 'i18next'
import type { z } from 'zod'

export interface GovukErrors {
  byField: Record<string, string>
  list: { text: string; href: string }[]
}

/**
 * zod issues → the GOV.UK error summary and inline messages: first message per field, in field order.
 * Messages are translation keys, so every error a person sees is translatable.
 */
export function toGovukErrors(err: z.ZodError, t: TFunction, fieldOrder: string[] = []): GovukErrors {
  const byField: Record<string, string> = {}
  for (const issue of err.issues) {
    const field = String(issue.path[0] ?? 'form')
    if (byField[field] === undefined) byField[field] = t(issue.message)
  }
  return fromMessages(byField, fieldOrder)
}

export function fromMessages(byField: Record<string, string>, fieldOrder: string[] = []): GovukErrors {
  const fields = Object.keys(byField).sort((a, b) => {
    const ia = fieldOrder.indexOf(a)
    const ib = fieldOrder.indexOf(b)
    return (ia < 0 ? 999 : ia) - (ib < 0 ? 999 : ib)
  })
  return { byField, list: fields.map((f) => ({ text: byField[f]!, href: `#${f}` })) }
}

/** Only string values go back into a re-rendered form, so hostile bodies cannot inject objects into templates. */
export function fieldValues(body: unknown, fields: string[]): Record<string, string> {
  const out: Record<string, string> = {}
  if (typeof body !== 'object' || body === null) return out
  for (const f of fields) {
    const v = (body as Record<string, unknown>)[f]
    if (typeof v === 'string') out[f] = v.slice(0, 5000)
  }
  return out
}
