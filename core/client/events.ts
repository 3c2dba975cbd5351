/**
 * A small typed event emitter whose emit cannot be broken by a listener: a listener that throws
 * is reported as a process warning, and the others still run.
 */
import type { ClientEvents, ConnectionStatus } from './types.js';
import { asError } from '../errors.js';

type Listener = (...args: unknown[]) => void;

export class TypedEmitter<Events extends { [E in keyof Events]: unknown[] }> {
  private readonly listeners = new Map<keyof Events, Set<Listener>>();

  on<E extends keyof Events>(event: E, listener: (...args: Events[E]) => void): this {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as unknown as Listener);
    return this;
  }

  off<E extends keyof Events>(event: E, listener: (...args: Events[E]) => void): this {
    this.listeners.get(event)?.delete(listener as unknown as Listener);
    return this;
  }

  once<E extends keyof Events>(event: E, listener: (...args: Events[E]) => void): this {
    const wrapper = (...args: Events[E]) => {
      this.off(event, wrapper);
      listener(...args);
    };
    return this.on(event, wrapper);
  }

  listenerCount(event: keyof Events): number {
    return this.listeners.get(event)?.size ?? 0;
  }

  protected emit<E extends keyof Events>(event: E, ...args: Events[E]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener(...(args as unknown[]));
      } catch (err) {
        process.emitWarning(`a listener of "${String(event)}" threw: ${asError(err).message}`, 'SpoolClientWarning');
      }
    }
  }
}

/** The client's emitter: transports emit through it, users listen. */
export class ClientEmitter extends TypedEmitter<ClientEvents> {
  emitStatus(status: ConnectionStatus): void {
    this.emit('status', status);
  }

  emitError(error: Error, queue?: string): void {
    this.emit('error', queue === undefined ? { error } : { error, queue });
  }
}
