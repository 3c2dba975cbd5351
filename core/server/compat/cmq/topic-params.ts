/**
 * The parameters of CMQ's topic actions (../shared/reference/cmq-sqs.md 2.1), read with CMQ's
 * module codes where CMQ has one of its own (all under code 4000 but the 4510):
 *
 * | what | limit | module |
 * |---|---|---|
 * | msgTag.n / filterTag.n | at most 5 | 10720 / 10490 |
 * | a tag | 1-16 characters | 10350 |
 * | bindingKey.n | at most 5 | 10680 |
 * | a bindingKey or routingKey | 1-64 bytes / at most 15 dots | 10350 / 10691 |
 * | protocol | `queue` or `http` (any case) | 10510 |
 * | notifyStrategy | BACKOFF_RETRY, EXPONENTIAL_DECAY_RETRY | 10520 |
 * | notifyContentFormat | JSON, SIMPLIFIED; SIMPLIFIED only for a queue | 10530 / 10640 |
 * | endpoint (http) | `http://` or `https://` URL, at most 500 characters / no blanks | 10500 / 4510 10570 |
 * | endpoint (queue) | a queue name | 10500 |
 *
 * The engine checks all of it again (core/engine/topic-input.ts), and what it alone refuses (a tag
 * or key of the other filter type, say) is 4000/10110. Where its refusal has a finer CMQ code that
 * needs the topic to tell (no routingKey or bindingKey on a routing-key topic, a publish to a topic
 * without subscriptions), `refining` looks it up, and only then.
 */
import type { Engine } from '../../../engine/engine.js';
import type { PublishInput, SubscriptionSettingsInput } from '../../../engine/topic-input.js';
import { SpoolError } from '../../../errors.js';
import { LIMITS } from '../../../limits.js';
import type { NotifyContentFormat, NotifyStrategy } from '../../../store/topic-store.js';
import { CmqError, ENDPOINT_HAS_BLANKS, cmqError, paramError } from './errors.js';
import { checkedName } from './naming.js';
import { quote, type Params } from './params.js';

export type Protocol = 'queue' | 'http';

/** CMQ's "endpoint format error": an http endpoint that is no URL, a queue endpoint that is no queue name. */
const ENDPOINT_FORMAT_ERROR = 10500;

const NOTIFY_STRATEGIES: readonly NotifyStrategy[] = ['BACKOFF_RETRY', 'EXPONENTIAL_DECAY_RETRY'];
const CONTENT_FORMATS: readonly NotifyContentFormat[] = ['JSON', 'SIMPLIFIED'];

/** A tags topic's msgTag.n or filterTag.n: up to 5 tags of 1-16 characters; undefined when none. */
function readTags(params: Params, name: 'msgTag' | 'filterTag', tooMany: number): string[] | undefined {
  const tags = params.optionalList(name, LIMITS.tagsMax, tooMany);
  for (const tag of tags) {
    if (tag.length === 0 || tag.length > LIMITS.tagMaxLength) throw paramError(10350, `each ${name}.n must be 1-${LIMITS.tagMaxLength} characters, got ${quote(tag)}`);
  }
  return tags.length === 0 ? undefined : tags;
}

/** A binding or routing key: `.`-separated words, 1-64 bytes, at most 15 dots. */
function checkKey(key: string, name: string): string {
  const bytes = Buffer.byteLength(key);
  if (bytes === 0 || bytes > LIMITS.routingKeyMaxBytes) throw paramError(10350, `${name} must be 1-${LIMITS.routingKeyMaxBytes} bytes, got ${bytes}`);
  const dots = key.split('.').length - 1;
  if (dots > LIMITS.routingKeyMaxDots) throw paramError(10691, `${name} may have at most ${LIMITS.routingKeyMaxDots} dots, got ${dots} in ${quote(key)}`);
  return key;
}

/** PublishMessage's and BatchPublishMessage's msgTag.n and routingKey (a batch's are shared by its messages). */
export function readRouting(params: Params): Omit<PublishInput, 'body'> {
  const tags = readTags(params, 'msgTag', 10720);
  const routingKey = params.optionalString('routingKey');
  return {
    ...(tags && { tags }),
    // CMQ's Python SDK sends routingKey="" with every publish, to tags topics too: empty is none.
    ...(routingKey !== undefined && routingKey !== '' && { routingKey: checkKey(routingKey, 'routingKey') }),
  };
}

/** `protocol` as a Subscribe names it, any case; undefined when it is neither `queue` nor `http`. */
export function protocolOf(value: string | undefined): Protocol | undefined {
  const lower = value?.toLowerCase();
  return lower === 'queue' || lower === 'http' ? lower : undefined;
}

export function readProtocol(params: Params): Protocol {
  const value = params.string('protocol');
  const protocol = protocolOf(value);
  if (!protocol) throw paramError(10510, `undefined protocol ${quote(value)}: protocol is http or queue`);
  return protocol;
}

/** Subscribe's endpoint: the queue to copy into, or the URL to push to (http:// or https://). */
export function readEndpoint(params: Params, protocol: Protocol): string {
  const endpoint = params.string('endpoint');
  if (protocol === 'queue') return checkedName(endpoint, 'endpoint (the queue of a queue subscription)', ENDPOINT_FORMAT_ERROR);
  if (/\s/.test(endpoint)) throw new CmqError(ENDPOINT_HAS_BLANKS, 10570, `url connot contain any blank characters: ${quote(endpoint)}`);
  if (!/^https?:\/\//i.test(endpoint) || endpoint.length > LIMITS.endpointMaxLength || !URL.canParse(endpoint)) {
    throw paramError(ENDPOINT_FORMAT_ERROR, `endpoint format error: an http subscription's endpoint is an http:// or https:// URL of at most ${LIMITS.endpointMaxLength} characters, got ${quote(endpoint)}`);
  }
  return endpoint;
}

function choice<T extends string>(params: Params, name: string, allowed: readonly T[], module: number): T | undefined {
  const value = params.optionalString(name);
  if (value === undefined || (allowed as readonly string[]).includes(value)) return value as T | undefined;
  throw paramError(module, `undefined ${name} ${quote(value)}: it is ${allowed.join(' or ')}`);
}

/** Subscribe's and SetSubscriptionAttributes' settings; what is not given is left out. */
export function readSettings(params: Params, protocol: Protocol): SubscriptionSettingsInput {
  const notifyStrategy = choice(params, 'notifyStrategy', NOTIFY_STRATEGIES, 10520);
  const notifyContentFormat = choice(params, 'notifyContentFormat', CONTENT_FORMATS, 10530);
  if (protocol === 'queue' && notifyContentFormat !== undefined && notifyContentFormat !== 'SIMPLIFIED') {
    throw paramError(10640, `notifyContentFormat of protocol queue must be SIMPLIFIED, got ${notifyContentFormat}`);
  }
  const filterTags = readTags(params, 'filterTag', 10490);
  const bindingKeys = params.optionalList('bindingKey', LIMITS.bindingKeysMax, 10680).map((key) => checkKey(key, 'bindingKey.n'));
  return {
    ...(notifyStrategy && { notifyStrategy }),
    ...(notifyContentFormat && { notifyContentFormat }),
    ...(filterTags && { filterTags }),
    ...(bindingKeys.length > 0 && { bindingKeys }),
  };
}

/**
 * Runs a publish or a subscribe to `topic`. A refusal with a finer CMQ module code gets it, looked
 * up only then: TOPIC_NO_MATCH is 10650 when the topic has no subscriptions at all and 10730 when
 * none matches; the engine's INVALID_PARAMETER on a routing-key topic, when the call gave no key,
 * is `keyMissing` (10700 routingKey, 10710 bindingKey); INVALID_NAME (a queue name Spool reserves
 * as a subscription's endpoint) is 10500. Anything else, or a lookup that fails, goes as it is.
 */
export async function refining<T>(engine: Engine, topic: string, keyMissing: number | null, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (!(err instanceof SpoolError)) throw err;
    const module = await finerModule(engine, topic, keyMissing, err).catch(() => undefined);
    throw module === undefined ? err : Object.assign(cmqError(err.code, module, err.message), { cause: err });
  }
}

async function finerModule(engine: Engine, topic: string, keyMissing: number | null, err: SpoolError): Promise<number | undefined> {
  switch (err.code) {
    case 'TOPIC_NO_MATCH':
      return (await engine.topics.listSubscriptions(topic, { limit: 1 })).total === 0 ? 10650 : 10730;
    case 'INVALID_PARAMETER':
      return keyMissing !== null && (await engine.topics.getTopic(topic)).attributes.filterType === 2 ? keyMissing : undefined;
    case 'INVALID_NAME':
      return ENDPOINT_FORMAT_ERROR;
    default:
      return undefined;
  }
}
