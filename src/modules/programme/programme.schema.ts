/**
 * JSON Schemas for the accountability API (OpenAPI 3.1, so `null` is a type). Fastify also serialises responses with
 * them, which drops any field not declared here: nothing personal can slip out by being added to the report later.
 */
const count = {
  type: ['integer', 'null'],
  description:
    'Disclosure-controlled: null when hidden (under 10, or to protect another hidden cell); otherwise rounded to the nearest 5',
} as const
const pence = { type: 'integer', description: 'Integer pence' } as const
const nullablePence = { type: ['integer', 'null'], description: 'Integer pence' } as const
const str = { type: 'string' } as const
const nullableStr = { type: ['string', 'null'] } as const

const money = {
  type: 'object',
  required: ['pledgedPence', 'receivedPence', 'allocatedPence', 'committedPence', 'paidPence', 'availablePence'],
  properties: {
    pledgedPence: pence,
    receivedPence: pence,
    allocatedPence: pence,
    committedPence: { ...pence, description: 'Integer pence committed to contracts, including what has been paid' },
    paidPence: pence,
    availablePence: pence,
  },
} as const

export const accountabilitySchema = {
  type: 'object',
  required: ['ward', 'generatedAt', 'disclosure', 'themes', 'voices', 'reach', 'priorities', 'fund', 'services'],
  properties: {
    ward: {
      type: 'object',
      required: ['code', 'name', 'programmeName', 'active'],
      properties: { code: str, name: str, programmeName: str, active: { type: 'boolean' } },
    },
    generatedAt: { type: 'string', format: 'date-time' },
    disclosure: str,
    themes: {
      type: 'array',
      items: {
        type: 'object',
        required: ['slug', 'name', 'responses', 'ideas'],
        properties: { slug: str, name: str, responses: count, ideas: count },
      },
    },
    voices: {
      type: 'object',
      required: ['consultations', 'responses', 'byChannel'],
      properties: {
        consultations: { type: 'integer' },
        responses: count,
        byChannel: {
          type: 'array',
          items: {
            type: 'object',
            required: ['channel', 'responses'],
            properties: {
              channel: { type: 'string', enum: ['online', 'paper', 'event', 'phone', 'doorstep', 'assisted'] },
              responses: count,
            },
          },
        },
      },
    },
    reach: {
      type: 'object',
      required: ['heard', 'notPlaced', 'areas', 'groups'],
      properties: {
        heard: count,
        notPlaced: count,
        areas: {
          type: 'array',
          items: {
            type: 'object',
            required: ['code', 'name', 'residents', 'heard', 'ratePer1000'],
            properties: {
              code: str,
              name: str,
              residents: { type: ['integer', 'null'], description: 'Census 2021 usual residents' },
              heard: count,
              ratePer1000: { type: ['number', 'null'] },
            },
          },
        },
        groups: {
          type: 'array',
          items: {
            type: 'object',
            required: ['characteristic', 'category', 'ratio', 'flagged', 'hidden'],
            properties: {
              characteristic: str,
              category: str,
              ratio: { type: ['number', 'null'], description: "Participants' share ÷ residents' share" },
              flagged: { type: 'boolean' },
              hidden: { type: 'boolean' },
            },
          },
        },
      },
    },
    priorities: {
      type: 'array',
      items: {
        type: 'object',
        required: ['roundId', 'roundTitle', 'optionId', 'title', 'theme', 'costPence'],
        properties: {
          roundId: { type: 'integer' },
          roundTitle: str,
          optionId: { type: 'integer' },
          title: str,
          theme: str,
          costPence: pence,
        },
      },
    },
    fund: {
      type: 'object',
      required: ['funds', 'totals', 'byPartner'],
      properties: {
        funds: {
          type: 'array',
          items: { type: 'object', required: ['financialYear', 'name'], properties: { financialYear: str, name: str } },
        },
        totals: money,
        byPartner: {
          type: 'array',
          items: {
            type: 'object',
            required: ['partnerName', 'kind', ...money.required],
            properties: { partnerName: str, kind: str, ...money.properties },
          },
        },
      },
    },
    services: {
      type: 'array',
      items: {
        type: 'object',
        required: ['processId', 'serviceId', 'title', 'status', 'progress', 'kpis', 'spend'],
        properties: {
          processId: { type: ['integer', 'null'] },
          serviceId: { type: ['integer', 'null'] },
          parentServiceId: { type: ['integer', 'null'] },
          title: str,
          theme: str,
          status: {
            type: 'string',
            description:
              'Delivery status once tracked (not_started, on_track, at_risk, off_track, completed, cancelled); before that the commissioning stage (specification, tender, evaluation, award_proposed, awarded, contract)',
          },
          tracked: { type: 'boolean' },
          rag: { type: ['string', 'null'], enum: ['green', 'amber', 'red', 'grey', null] },
          progress: { type: ['integer', 'null'], minimum: 0, maximum: 100, description: 'Percent; null until tracked' },
          providerName: nullableStr,
          contractValuePence: nullablePence,
          startDate: nullableStr,
          endDate: nullableStr,
          kpis: {
            type: 'array',
            items: {
              type: 'object',
              required: ['name', 'target'],
              properties: {
                name: str,
                unit: str,
                target: str,
                latest: { type: ['number', 'null'] },
                period: nullableStr,
                rag: { type: ['string', 'null'] },
              },
            },
          },
          spend: {
            type: 'object',
            required: ['committedPence', 'paidPence', 'remainingPence', 'byPartner'],
            properties: {
              committedPence: pence,
              paidPence: pence,
              remainingPence: pence,
              byPartner: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['partnerName', 'committedPence', 'paidPence'],
                  properties: { partnerName: str, committedPence: pence, paidPence: pence },
                },
              },
            },
          },
          lastReturnAt: nullableStr,
          nextReturnDue: nullableStr,
          ratings: {
            type: 'object',
            properties: { count, average: { type: ['number', 'null'] } },
          },
        },
      },
    },
  },
} as const
