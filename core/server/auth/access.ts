/**
 * What each request needs of its API key, for the HTTP routes and the WebSocket ops, and the check.
 * Without keys (no-auth mode, loopback only) everything is allowed. docs/auth.md has the table.
 */
import { SpoolError } from '../../errors.js';
import type { Request } from '../ws/frames.js';
import type { ApiKey, Permission } from './api-keys.js';
import { deadLetterQueueNeeds, replyToNeeds } from './named-queues.js';

/** A permission on a queue; `use` is any of them (to look at the queue); `admin` is manage on `*`. */
export type Need = { permission: Permission; queue: unknown } | { use: unknown } | 'admin';

export function authorize(key: ApiKey | null, needs: readonly Need[]): void {
  if (key === null) return;
  for (const need of needs) {
    if (need === 'admin') {
      if (!key.managesAll) throw forbidden(key, 'this needs manage on * (every queue)');
    } else if ('use' in need) {
      if (typeof need.use === 'string' && !key.mayUse(need.use)) throw forbidden(key, `no permission on queue ${need.use}`);
    } else if (typeof need.queue === 'string' && !key.may(need.permission, need.queue)) {
      throw forbidden(key, `no ${need.permission} permission on queue ${need.queue}`);
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
