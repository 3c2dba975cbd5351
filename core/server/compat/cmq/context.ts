/** What every CMQ action is given: the engine and the server's state, and the response it answers on. */
import type { ServerResponse } from 'node:http';
import type { Engine } from '../../../engine/engine.js';
import type { Lifecycle } from '../../lifecycle.js';
import type { ServerLimits } from '../../options.js';
import type { Params } from './params.js';

export interface CmqContext {
  engine: Engine;
  limits: ServerLimits;
  lifecycle: Lifecycle;
  /** The HTTP response, so that a long poll ends when its client goes away. */
  response: ServerResponse;
}

/** One CMQ action: its parameters in, the fields of its reply (beside code, message, requestId) out. */
export type CmqAction = (params: Params, context: CmqContext) => Promise<Record<string, unknown>>;
