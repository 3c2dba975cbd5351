/** What every route plugin is given: the engine, the limits, and the server's closing state. */
import type { Engine } from '../../engine/engine.js';
import type { Lifecycle } from '../lifecycle.js';
import type { ServerLimits } from '../options.js';

export interface RouteContext {
  engine: Engine;
  limits: ServerLimits;
  lifecycle: Lifecycle;
}

/** Path parameters of every /v1/queues/{q}... route. */
export interface QueueParams {
  q: string;
}

/** Path parameters of every /v1/topics/{t}... route. */
export interface TopicParams {
  t: string;
}

export interface SubscriptionParams extends TopicParams {
  s: string;
}
