/**
 * JSON schemas of request bodies (checked by fastify's ajv, with coercion and property removal
 * off): they fix each body's shape and field types and refuse unknown fields. Ranges, names,
 * batch sizes and message bodies are the engine's to check, so HTTP and WebSocket clients get
 * the same codes for them (INVALID_NAME, INVALID_MESSAGE_BODY, BATCH_TOO_LARGE...).
 */

const integer = { type: 'integer' } as const;
const string = { type: 'string' } as const;

/** One message to send: the fields of SendInput. `body` is left to the engine (INVALID_MESSAGE_BODY). */
const messageProperties = {
  body: {},
  delaySeconds: integer,
  priority: integer,
  attributes: { type: 'object', additionalProperties: string },
  dedupId: string,
  replyTo: string,
  correlationId: string,
} as const;

export const message = { type: 'object', additionalProperties: false, properties: messageProperties } as const;

/** A send body: one message, or `{ messages: [...] }` (the handler refuses a mix of both). */
export const sendBody = {
  type: 'object',
  additionalProperties: false,
  properties: { ...messageProperties, messages: { type: 'array', items: message } },
} as const;

/** Queue attributes are checked by the engine, which names the attribute and its range (INVALID_ATTRIBUTE). */
export const attributes = { type: 'object' } as const;

export const createQueueBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: { name: string, attributes },
} as const;

export const rewindBody = { type: 'object', additionalProperties: false, required: ['since'], properties: { since: integer } } as const;

export const receiveBody = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: { max: integer, waitSeconds: integer, visibilityTimeout: integer },
} as const;

export const deleteBody = {
  type: 'object',
  additionalProperties: false,
  required: ['receiptHandles'],
  properties: { receiptHandles: { type: 'array', items: string } },
} as const;

export const visibilityBody = {
  type: 'object',
  additionalProperties: false,
  required: ['receiptHandle', 'visibilityTimeout'],
  properties: { receiptHandle: string, visibilityTimeout: integer, body: {} },
} as const;

export const releaseBody = {
  type: 'object',
  additionalProperties: false,
  required: ['receiptHandle'],
  properties: { receiptHandle: string, delaySeconds: { type: 'number' } },
} as const;

export const cancelBody = { type: 'object', additionalProperties: false, required: ['msgId'], properties: { msgId: string } } as const;

export const completeBody = {
  type: 'object',
  additionalProperties: false,
  required: ['receiptHandle', 'reply'],
  properties: {
    receiptHandle: string,
    reply: { type: 'object', additionalProperties: false, required: ['queue'], properties: { queue: string, ...messageProperties } },
  },
} as const;

/** Routes that take no fields accept no body, an empty body, or `{}`. */
export const emptyBody = { type: ['object', 'null'], additionalProperties: false, properties: {} } as const;

/** Query strings are strings; integers are digits, parsed by the handler. */
const digits = { type: 'string', pattern: '^[0-9]{1,15}$' } as const;

/** The query string of a /v1 route that takes none: a parameter there is refused, not ignored. */
export const noQuery = { type: 'object', additionalProperties: false, properties: {} } as const;

export const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { prefix: string, offset: digits, limit: digits },
} as const;

const strings = { type: 'array', items: string } as const;

export const createTopicBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: { name: string, attributes },
} as const;

/** One message to publish; `body` is left to the engine (INVALID_MESSAGE_BODY). */
const publishProperties = { body: {}, tags: strings, routingKey: string } as const;

/** A publish body: one message, or `{ messages: [...] }` (the handler refuses a mix of both). */
export const publishBody = {
  type: 'object',
  additionalProperties: false,
  properties: { ...publishProperties, messages: { type: 'array', items: { type: 'object', additionalProperties: false, properties: publishProperties } } },
} as const;

const subscriptionSettings = { notifyStrategy: string, notifyContentFormat: string, filterTags: strings, bindingKeys: strings } as const;

export const subscribeBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'protocol', 'endpoint'],
  properties: { name: string, protocol: string, endpoint: string, ...subscriptionSettings },
} as const;

export const subscriptionAttributesBody = { type: 'object', additionalProperties: false, properties: subscriptionSettings } as const;
