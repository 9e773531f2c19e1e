/**
 * The JSON Schema of `GET /api/v1/wards/{wardCode}/reach`, given to Fastify as the 200 response so it appears in the
 * OpenAPI description (/api/v1/openapi.json) and so the response is serialised to exactly these fields. A hidden
 * count is `null` with `"suppressed": true`; `suppressed` is absent on every cell that is shown.
 */
const nullableNumber = (description: string) => ({ type: ['number', 'null'], description })
const suppressed = {
  type: 'boolean',
  const: true,
  description: 'Present, and true, only where the count is hidden by disclosure control (its figures are null).',
}

export const REACH_API_RESPONSE = {
  type: 'object',
  description:
    'Reach of the ward against Census 2021, disclosure-controlled: counts under 10 hidden, others rounded to the ' +
    'nearest 5, and a second count hidden wherever one hidden count could otherwise be worked out from a total.',
  required: ['ward', 'areas', 'groups'],
  additionalProperties: false,
  properties: {
    ward: { type: 'string', description: 'The ward’s ONS GSS code.' },
    areas: {
      type: 'array',
      description: 'One row per LSOA in the ward.',
      items: {
        type: 'object',
        required: ['code', 'name', 'residents', 'heard', 'ratePer1000'],
        additionalProperties: false,
        properties: {
          code: { type: 'string', description: 'LSOA 2021 GSS code.' },
          name: { type: 'string' },
          residents: { type: ['integer', 'null'], description: 'Census 2021 TS001 usual residents.' },
          heard: { type: ['integer', 'null'], description: 'People heard (responses placed in the area), published.' },
          ratePer1000: nullableNumber('Published people heard per 1,000 residents (2 decimal places).'),
          suppressed,
        },
      },
    },
    groups: {
      type: 'array',
      description: 'One row per characteristic and Census category with reference figures for the ward.',
      items: {
        type: 'object',
        required: ['characteristic', 'category', 'participantShare', 'residentShare', 'ratio', 'flagged'],
        additionalProperties: false,
        properties: {
          characteristic: { type: 'string', examples: ['age', 'sex', 'ethnic_group', 'religion', 'disability'] },
          category: { type: 'string', description: 'The Census 2021 category label.' },
          participantShare: nullableNumber('Share of participants answering with one of the categories shown.'),
          residentShare: nullableNumber('Share of residents (Census 2021).'),
          ratio: nullableNumber('participantShare ÷ residentShare.'),
          flagged: { type: 'boolean', description: 'The ratio is under the threshold (0.8).' },
          suppressed,
        },
      },
    },
  },
} as const
