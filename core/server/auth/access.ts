/**
 * What each request needs of its API key, for the HTTP routes and the WebSocket ops, and the check.
 * Without keys (no-auth mode, loopback only) everything is allowed. docs/auth.md has the table.
 */
import { SpoolError } from '../../errors.js';
import type { Request } from '../ws/frames.js';
import type { ApiKey, Permission } from './api-keys.js';
import { deadLetterQueueNeeds, replyToNeeds } from './named-queues.js';

/**
 * A permission on a queue, or a topic (`of`: names share the patterns, docs/auth.md); `use` is
 * any of them (to look at it); `admin` is manage on `*`.
 */
export type Need = { permission: Permission; queue: unknown; of?: 'topic' } | { use: unknown; of?: 'topic' } | 'admin';

export function authorize(key: ApiKey | null, needs: readonly Need[]): void {
  if (key === null) return;
  for (const need of needs) {
    if (need === 'admin') {
      if (!key.managesAll) throw forbidden(key, 'this needs manage on * (every queue and topic)');
    } else if ('use' in need) {
      if (typeof need.use === 'string' && !key.mayUse(need.use)) throw forbidden(key, `no permission on ${need.of ?? 'queue'} ${need.use}`);
    } else if (typeof need.queue === 'string' && !key.may(need.permission, need.queue)) {
      throw forbidden(key, `no ${need.permission} permission on ${need.of ?? 'queue'} ${need.queue}`);
    }
    // A queue that is not a string is the request's own error to report, after this check.
  }
}

function forbidden(key: ApiKey, reason: string): SpoolError {
  return new SpoolError('FORBIDDEN', `API key ${key.id}: ${reason}`);
}

/** Routes anyone may call: probes, the scrape, the dashboard's page (its data needs a key). */
export const OPEN_ROUTES: ReadonlySet<string> = new Set(['GET /healthz', 'GET /metrics', 'GET /dashboard', 'GET /dashboard/app.js']);

/**
 * Paths whose requests are signed with a key (SQS's SigV4, CMQ's signature) rather than present
 * it: their own handlers check, and answer every method in their protocol's terms.
 */
export const SIGNED_PATHS: ReadonlySet<string> = new Set(['/', '/v2/index.php']);

interface RouteRequest {
  params: unknown;
  body: unknown;
}

const q = (r: RouteRequest) => (r.params as { q?: unknown }).q;
const needs = (permission: Permission) => (r: RouteRequest): Need[] => [{ permission, queue: q(r) }];
const use = (r: RouteRequest): Need[] => [{ use: q(r) }];
const admin = (): Need[] => ['admin'];
const t = (r: RouteRequest) => (r.params as { t?: unknown }).t;
const onTopic = (permission: Permission) => (r: RouteRequest): Need[] => [{ permission, queue: t(r), of: 'topic' }];
const lookingAtTopic = (r: RouteRequest): Need[] => [{ use: t(r), of: 'topic' }];

/** Needs per route (`METHOD url` as fastify names it). A route missing here needs admin. */
const ROUTE_NEEDS: Record<string, (r: RouteRequest) => Need[]> = {
  'POST /v1/queues': (r) => {
    const body = r.body as { name?: unknown; attributes?: unknown } | undefined;
    return [{ permission: 'manage', queue: body?.name }, ...deadLetterQueueNeeds(body?.attributes)];
  },
  'GET /v1/queues': admin,
  'GET /v1/overview': admin,
  'GET /v1/queues/:q': use,
  'GET /v1/queues/:q/stats': use,
  'PATCH /v1/queues/:q/attributes': (r) => [...needs('manage')(r), ...deadLetterQueueNeeds(r.body)],
  'PUT /v1/queues/:q/attributes': (r) => [...needs('manage')(r), ...deadLetterQueueNeeds(r.body)],
  'DELETE /v1/queues/:q': needs('manage'),
  'POST /v1/queues/:q/purge': needs('manage'),
  'POST /v1/queues/:q/rewind': needs('manage'),
  'POST /v1/queues/:q/redrive': needs('manage'),
  'POST /v1/queues/:q/messages': (r) => [...needs('send')(r), ...replyToNeeds(r.body)],
  'POST /v1/queues/:q/messages/cancel': needs('send'),
  'POST /v1/queues/:q/messages/receive': needs('receive'),
  'POST /v1/queues/:q/messages/delete': needs('receive'),
  'POST /v1/queues/:q/messages/visibility': needs('receive'),
  'POST /v1/queues/:q/messages/release': needs('receive'),
  'POST /v1/queues/:q/messages/complete': (r) => completeNeeds(q(r), (r.body as { reply?: unknown } | undefined)?.reply),
  'POST /v1/topics': (r) => [{ permission: 'manage', queue: (r.body as { name?: unknown } | undefined)?.name, of: 'topic' }],
  'GET /v1/topics': admin,
  'GET /v1/topics/:t': lookingAtTopic,
  'PATCH /v1/topics/:t/attributes': onTopic('manage'),
  'PUT /v1/topics/:t/attributes': onTopic('manage'),
  'DELETE /v1/topics/:t': onTopic('manage'),
  'POST /v1/topics/:t/messages': onTopic('send'),
  // A queue subscription sends into its queue: that needs send on the queue too (an http one's endpoint is a URL).
  'POST /v1/topics/:t/subscriptions': (r) => {
    const body = r.body as { protocol?: unknown; endpoint?: unknown } | undefined;
    return [...onTopic('manage')(r), { permission: 'send', queue: body?.protocol === 'http' ? null : body?.endpoint }];
  },
  'GET /v1/topics/:t/subscriptions': lookingAtTopic,
  'GET /v1/topics/:t/subscriptions/:s': lookingAtTopic,
  'PATCH /v1/topics/:t/subscriptions/:s/attributes': onTopic('manage'),
  'PUT /v1/topics/:t/subscriptions/:s/attributes': onTopic('manage'),
  'DELETE /v1/topics/:t/subscriptions/:s': onTopic('manage'),
};

/** A complete takes from its queue and sends its reply, whose own replyTo gets notices too. */
function completeNeeds(queue: unknown, reply: unknown): Need[] {
  return [{ permission: 'receive', queue }, { permission: 'send', queue: (reply as { queue?: unknown } | null | undefined)?.queue }, ...replyToNeeds(reply)];
}

export function routeNeeds(route: string, request: RouteRequest): readonly Need[] {
  return (ROUTE_NEEDS[route] ?? admin)(request);
}

/** Needs of a WebSocket request; credit and unsubscribe act on a subscription its subscribe was allowed. */
export function frameNeeds(request: Request): readonly Need[] {
  switch (request.op) {
    case 'send':
      return [{ permission: 'send', queue: request.queue }, ...replyToNeeds(request.message ?? { messages: request.messages })];
    case 'cancel':
      return [{ permission: 'send', queue: request.queue }];
    case 'subscribe':
    case 'ack':
    case 'extend':
    case 'release':
    case 'requeue':
      return [{ permission: 'receive', queue: request.queue }];
    case 'complete':
      return completeNeeds(request.queue, request.reply);
    case 'credit':
    case 'unsubscribe':
      return [];
  }
}

/** The secret a request presents: `Authorization: Bearer <secret>`, or `X-Api-Key: <secret>`. */
export function presentedSecret(headers: Record<string, string | string[] | undefined>): string | null {
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (bearer) return bearer[1]!;
  }
  const apiKey = headers['x-api-key'];
  return typeof apiKey === 'string' && apiKey !== '' ? apiKey : null;
}
