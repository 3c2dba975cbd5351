/** Units of the WebSocket layer: frame parsing, deliver framing, liveness rounds, options, write coalescing. */
import { once } from 'node:events';
import { createServer, connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../core/index.js';
import { deliverFrames, parseFrame } from '../../core/server/ws/frames.js';
import { Liveness, type Peer } from '../../core/server/ws/liveness.js';
import { resolveWebSocketOptions } from '../../core/server/ws/options.js';
import { Backoff } from '../../core/client/backoff.js';
import { TickCork } from '../../core/tick-cork.js';

describe('parseFrame', () => {
  it('accepts every op with its fields', () => {
    const ok = [
      { id: 1, op: 'send', queue: 'q', message: { body: 'x' } },
      { id: 'a', op: 'send', queue: 'q', messages: [{ body: 'x' }] },
      { id: 2, op: 'subscribe', queue: 'q', prefetch: 5, visibilityTimeout: 10 },
      { id: 3, op: 'credit', subscription: 's1', prefetch: 0 },
      { id: 4, op: 'unsubscribe', subscription: 's1' },
      { id: 5, op: 'ack', queue: 'q', receiptHandles: ['1.a'] },
      { id: 6, op: 'extend', queue: 'q', receiptHandle: '1.a', visibilityTimeout: 30 },
      { id: 7, op: 'release', queue: 'q', receiptHandle: '1.a' },
      { id: 8, op: 'complete', queue: 'q', receiptHandle: '1.a', reply: { queue: 'r', body: 'x' } },
    ];
    for (const frame of ok) expect(parseFrame(JSON.stringify(frame))).toEqual({ ok: true, request: frame });
  });

  it('names what is wrong, with the id when it is known', () => {
    const cases: [string, number | string | null, RegExp][] = [
      ['{', null, /not valid JSON/],
      ['[]', null, /JSON object/],
      ['{"op":"send"}', null, /id must be/],
      ['{"id":1}', 1, /op must be one of/],
      ['{"id":1,"op":"toString"}', 1, /op must be one of/],
      ['{"id":1,"op":"subscribe","queue":"q"}', 1, /prefetch is required/],
      ['{"id":1,"op":"subscribe","queue":"q","prefetch":1,"x":1}', 1, /unknown field "x"/],
      ['{"id":1,"op":"extend","queue":"q","receiptHandle":"h","visibilityTimeout":"1"}', 1, /visibilityTimeout must be an integer/],
      ['{"id":1,"op":"ack","queue":"q","receiptHandles":{}}', 1, /receiptHandles must be an array/],
      ['{"id":1,"op":"send","queue":"q"}', 1, /exactly one of message and messages/],
    ];
    for (const [text, id, message] of cases) {
      const parsed = parseFrame(text);
      expect(parsed.ok).toBe(false);
      if (parsed.ok) continue;
      expect(parsed.id).toBe(id);
      expect(parsed.error.code).toBe('INVALID_PARAMETER');
      expect(parsed.error.message).toMatch(message);
    }
  });
});

describe('deliverFrames', () => {
  const message = (body: string) => ({
    msgId: '1', receiptHandle: '1.a', body, priority: 0, enqueueTime: 0, nextVisibleTime: 0, firstDequeueTime: 0,
    dequeueCount: 1, attributes: {}, replyTo: null, correlationId: null, sourceQueue: null,
  });

  it('puts small messages in one frame and splits large ones', () => {
    expect(deliverFrames('s1', 'q', [message('a'), message('b'), message('c')])).toHaveLength(1);
    const big = 'x'.repeat(300 * 1024);
    const frames = deliverFrames('s1', 'q', [message(big), message(big), message(big), message('small')]);
    expect(frames).toHaveLength(3);
    expect(frames.map((f) => JSON.parse(f).messages.length)).toEqual([1, 1, 2]);
    expect(JSON.parse(frames[0]!)).toMatchObject({ op: 'deliver', subscription: 's1', queue: 'q' });
  });
});

describe('Liveness', () => {
  it('pings answering peers and terminates silent ones, on its clock', async () => {
    const clock = new FakeClock();
    const log: string[] = [];
    const peer = (name: string, answers: boolean): Peer => {
      const p: Peer = {
        alive: true,
        ping: () => {
          log.push(`ping ${name}`);
          if (answers) p.alive = true;
        },
        terminate: () => log.push(`terminate ${name}`),
      };
      return p;
    };
    const peers = [peer('good', true), peer('dead', false)];
    const liveness = new Liveness(1000, () => peers, clock);
    liveness.start();
    await clock.advance(999);
    expect(log).toEqual([]);
    await clock.advance(1);
    expect(log).toEqual(['ping good', 'ping dead']);
    await clock.advance(1000);
    expect(log.slice(2)).toEqual(['ping good', 'terminate dead']);
    liveness.close();
    await clock.advance(5000);
    expect(log).toHaveLength(4);
  });
});

describe('options and backoff', () => {
  it('resolveWebSocketOptions names a bad option', () => {
    const base = { maxPayloadBytes: 1024, keepLeasesOnClose: false, pingIntervalMs: 100, highWaterMarkBytes: 1024 };
    expect(resolveWebSocketOptions(base).maxOutstandingRequests).toBe(1000);
    expect(() => resolveWebSocketOptions({ ...base, pingIntervalMs: 0 })).toThrow(/pingIntervalMs/);
    expect(() => resolveWebSocketOptions({ ...base, maxConnections: 1.5 })).toThrow(/maxConnections/);
  });

  it('Backoff doubles up to its ceiling, jittered into the upper half', () => {
    const low = new Backoff({ initialDelayMs: 100, maxDelayMs: 1000 }, () => 0);
    expect([1, 2, 3, 4, 5, 6].map(() => low.next())).toEqual([50, 100, 200, 400, 500, 500]);
    const high = new Backoff({ initialDelayMs: 100, maxDelayMs: 1000 }, () => 1);
    expect([1, 2, 3].map(() => high.next())).toEqual([100, 200, 400]);
    high.reset();
    expect(high.next()).toBe(100);
  });
});

describe('TickCork', () => {
  /** A connected loopback socket pair; the peer's end is only drained. */
  async function socketPair(): Promise<{ socket: Socket; close(): void }> {
    const server = createServer((peer) => peer.resume());
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    return {
      socket,
      close: () => {
        socket.destroy();
        server.close();
      },
    };
  }

  it("holds a tick's small sends until the tick ends", async () => {
    const { socket, close } = await socketPair();
    try {
      const cork = new TickCork(socket);
      for (let i = 0; i < 10; i++) {
        cork.hold(100);
        socket.write(Buffer.alloc(100));
      }
      expect(socket.writableLength).toBe(1000);
      await new Promise((resolve) => process.nextTick(resolve));
      expect(socket.writableLength).toBe(0);
    } finally {
      close();
    }
  });

  it('lets a large tick go every 64 KiB instead of holding it all to the end', async () => {
    const { socket, close } = await socketPair();
    try {
      const cork = new TickCork(socket);
      const frames = 64;
      for (let i = 0; i < frames; i++) {
        cork.hold(4096);
        socket.write(Buffer.alloc(4096));
      }
      // Still inside the tick: the first 64 KiB were handed to the kernel already.
      expect(socket.writableLength).toBeLessThan(frames * 4096 - 64 * 1024 + 4096);
    } finally {
      close();
    }
  });
});
