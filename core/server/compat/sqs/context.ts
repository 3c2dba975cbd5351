/** What every SQS action is given: the engine and the server's state, and where the request came in. */
import type { ServerResponse } from 'node:http';
import type { Engine } from '../../../engine/engine.js';
import type { Lifecycle } from '../../lifecycle.js';
import type { ServerLimits } from '../../options.js';
import type { Members } from './input.js';

export interface SqsContext {
  engine: Engine;
  limits: ServerLimits;
  lifecycle: Lifecycle;
  /** The request's Host header, for the queue URLs it is answered with. */
  host: string;
  /** The region of the request's SigV4 credential scope (us-east-1 without one), for ARNs. */
  region: string;
  /** The HTTP response, so that a long poll ends when its client goes away. */
  response: ServerResponse;
}

/** One SQS action: its request members in, its output members out. */
export type SqsAction = (input: Members, context: SqsContext) => Promise<object>;
