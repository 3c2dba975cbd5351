/**
 * How a runtime (master, worker) reaches its broker: a URL, an in-process engine, or a client the
 * caller owns. One resolver and one opener, so both runtimes accept the same three forms.
 */
import type { Engine } from '../engine/engine.js';
import { SpoolClient } from './client.js';

export type BrokerConnection = { kind: 'url'; url: string } | { kind: 'broker'; engine: Engine } | { kind: 'client'; client: SpoolClient };

export interface BrokerConnectionInput {
  /** Broker URL. */
  url?: string;
  /** An engine in this process (embedded mode). */
  broker?: Engine;
  /** A client the caller owns (not closed by the runtime). */
  client?: SpoolClient;
}

/** Exactly one of url, broker and client; `who` names the caller in the error (e.g. 'startWorker'). */
export function resolveConnection(options: BrokerConnectionInput, who: string): BrokerConnection {
  const given = (['url', 'broker', 'client'] as const).filter((k) => options[k] !== undefined);
  if (given.length !== 1) throw new TypeError(`${who} needs exactly one of url, broker, client; got ${given.length === 0 ? 'none' : given.join(', ')}`);
  if (options.url !== undefined) {
    if (typeof options.url !== 'string' || !/^https?:\/\//.test(options.url)) throw new TypeError(`url must be an http(s) URL, got ${JSON.stringify(options.url)}`);
    return { kind: 'url', url: options.url };
  }
  if (options.broker !== undefined) return { kind: 'broker', engine: options.broker };
  return { kind: 'client', client: options.client! };
}

/** The client for a connection, and whether the runtime owns it (and so closes it). */
export function openConnection(connection: BrokerConnection): { client: SpoolClient; owned: boolean } {
  switch (connection.kind) {
    case 'url':
      return { client: new SpoolClient({ url: connection.url }), owned: true };
    case 'broker':
      return { client: SpoolClient.embedded(connection.engine), owned: true };
    case 'client':
      return { client: connection.client, owned: false };
  }
}
