import { aggregateFns } from '../query/aggregate-options.ts';
import { httpPointsPerRequestMax, rangeLimitMax } from '../limits.ts';
import { keyJsonSchema, keyTextSchema } from './http-keys.ts';

/**
 * JSON schemas of every request and response. Requests are validated strictly (no type
 * coercion, no unknown fields); responses are documented here and checked by the route tests.
 */

export const errorResponse = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string', pattern: '^OMENDB_ERR_' }, message: { type: 'string' } },
    },
  },
} as const;

/** Series names are checked by the engine (with its documented code); the schema bounds length. */
export const seriesParams = {
  type: 'object',
  required: ['series'],
  properties: { series: { type: 'string', minLength: 1, maxLength: 1024 } },
} as const;

export const pointParams = {
  type: 'object',
  required: ['series', 'key'],
  properties: { series: seriesParams.properties.series, key: keyTextSchema },
} as const;

export const pointsBody = {
  type: 'object',
  required: ['points'],
  additionalProperties: false,
  properties: {
    points: {
      type: 'array',
      maxItems: httpPointsPerRequestMax,
      // [key, value]: keys and values are validated by the engine, with their own error codes.
      items: { type: 'array', minItems: 2, maxItems: 2 },
    },
  },
} as const;

export const rangeQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    from: keyTextSchema,
    to: keyTextSchema,
    after: keyTextSchema,
    limit: { type: 'string', pattern: '^[0-9]{1,7}$' },
  },
} as const;

export const deleteQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { from: keyTextSchema, to: keyTextSchema },
} as const;

export const aggregateQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    from: keyTextSchema,
    to: keyTextSchema,
    bucket: keyTextSchema,
    // Names are checked by the engine, so an unknown one gets OMENDB_ERR_INPUT_AGGREGATE.
    fn: {
      type: 'string',
      maxLength: 128,
      pattern: '^[a-z]+(,[a-z]+)*$',
      description: `comma list of ${aggregateFns.join(', ')}`,
    },
  },
} as const;

const pointJson = {
  type: 'array',
  items: [keyJsonSchema, { type: 'number' }],
  minItems: 2,
  maxItems: 2,
} as const;

export const writtenResponse = {
  type: 'object',
  required: ['written'],
  properties: { written: { type: 'integer' } },
} as const;

export const pointResponse = {
  type: 'object',
  required: ['key', 'value'],
  properties: { key: keyJsonSchema, value: { type: 'number' } },
} as const;

export const rangeResponse = {
  type: 'object',
  required: ['points', 'next'],
  properties: {
    points: { type: 'array', maxItems: rangeLimitMax, items: pointJson },
    next: { anyOf: [keyJsonSchema, { type: 'null' }] },
  },
} as const;

export const aggregateResponse = {
  type: 'object',
  required: ['buckets'],
  properties: {
    buckets: {
      type: 'array',
      items: {
        type: 'object',
        required: ['start', 'count'],
        properties: {
          start: keyJsonSchema,
          count: { type: 'integer' },
          ...Object.fromEntries(
            aggregateFns.filter((fn) => fn !== 'count').map((fn) => [fn, { type: 'number' }]),
          ),
        },
      },
    },
  },
} as const;

export const okResponse = {
  type: 'object',
  required: ['ok'],
  properties: { ok: { type: 'boolean' } },
} as const;
