/**
 * One suite for every transport: the remote client (HTTP + WebSocket to a real broker on port 0)
 * and the embedded one (an engine in this process) must behave the same.
 */
import { describe, expect, it } from 'vitest';
import { SpoolClient, SpoolClientError, type Delivery, type Engine } from '../../core/index.js';
import { eventually, sleep } from '../helpers/ws-broker.js';

export interface ClientFixture {
  client: SpoolClient;
  engine: Engine;
}

async function rejectsWith(promise: Promise<unknown>, code: string, status?: number): Promise<SpoolClientError> {
  const err = await promise.then(
    (v) => {
      throw new Error(`expected ${code}, got ${JSON.stringify(v)}`);
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SpoolClientError);
  expect((err as SpoolClientError).code, (err as Error).message).toBe(code);
  if (status !== undefined) expect((err as SpoolClientError).status).toBe(status);
  return err as SpoolClientError;
}

export function clientContract(kind: string, setup: () => Promise<ClientFixture>): void {
  describe(`SpoolClient (${kind}): topics`, () => {
    it('creates topics, subscribes queues, publishes, and administers them', async () => {
      const { client } = await setup();
      await client.createQueue('inbox');
      await client.createQueue('errors');
      expect(await client.createTopic('logs', { filterType: 2 })).toMatchObject({ created: true, topic: { name: 'logs', attributes: { filterType: 2 } } });
      expect((await client.createTopic('logs', { filterType: 2 })).created).toBe(false);
      await rejectsWith(client.createTopic('logs'), 'TOPIC_EXISTS', 409);
      expect((await client.listTopics({ prefix: 'l' })).topics.map((t) => t.name)).toEqual(['logs']);
      expect((await client.setTopicAttributes('logs', { maxMsgSize: 4096 })).attributes.maxMsgSize).toBe(4096);
      expect((await client.getTopic('logs')).attributes).toEqual({ maxMsgSize: 4096, filterType: 2 });
      await client.subscribeTopic('logs', 'all', { protocol: 'queue', endpoint: 'inbox', bindingKeys: ['#'] });
      const errs = await client.subscribeTopic('logs', 'errs', { protocol: 'queue', endpoint: 'errors', bindingKeys: ['*.error'] });
      expect(errs).toMatchObject({ topic: 'logs', name: 'errs', endpoint: 'errors', bindingKeys: ['*.error'] });
      await rejectsWith(client.subscribeTopic('logs', 'errs', { protocol: 'queue', endpoint: 'errors', bindingKeys: ['x'] }), 'SUBSCRIPTION_EXISTS', 409);
      expect(await client.getTopicSubscription('logs', 'errs')).toEqual(errs);
      expect((await client.listTopicSubscriptions('logs')).subscriptions.map((s) => s.name)).toEqual(['all', 'errs']);
      const msgId = await client.publish('logs', { body: 'boom', routingKey: 'db.error' });
      expect(await client.publishBatch('logs', [{ body: 'fine', routingKey: 'db.info' }])).toHaveLength(1);
      const [copy] = await client.receive('errors');
      expect(copy).toMatchObject({ body: 'boom', attributes: { 'spool.topic': 'logs', 'spool.topicMsgId': msgId } });
      expect((await client.receive('inbox', { max: 16 })).map((m) => m.body).sort()).toEqual(['boom', 'fine']);
      await client.unsubscribeTopic('logs', 'all');
      await rejectsWith(client.publish('logs', { body: 'x', routingKey: 'none' }), 'TOPIC_NO_MATCH', 409);
      expect((await client.setTopicSubscriptionAttributes('logs', 'errs', { bindingKeys: ['#'] })).bindingKeys).toEqual(['#']);
      await rejectsWith(client.deleteTopic('logs'), 'TOPIC_HAS_SUBSCRIPTIONS', 409);
      await client.unsubscribeTopic('logs', 'errs');
      await client.deleteTopic('logs');
      await rejectsWith(client.getTopic('logs'), 'TOPIC_NOT_FOUND', 404);
    });
  });

  describe(`SpoolClient (${kind}): queues`, () => {
    it('creates, lists, reads, changes and deletes queues', async () => {
      const { client } = await setup();
      const created = await client.createQueue('jobs', { visibilityTimeout: 45 });
      expect(created).toMatchObject({ created: true, queue: { name: 'jobs', attributes: { visibilityTimeout: 45 } } });
      expect((await client.createQueue('jobs', { visibilityTimeout: 45 })).created).toBe(false);
      await rejectsWith(client.createQueue('jobs', { visibilityTimeout: 46 }), 'QUEUE_EXISTS', 409);
      await client.createQueue('jobs-2');
      await client.createQueue('other');
      const page = await client.listQueues({ prefix: 'jobs', limit: 10 });
      expect(page.total).toBe(2);
      expect(page.queues.map((q) => q.name)).toEqual(['jobs', 'jobs-2']);
      expect((await client.listQueues({ offset: 1, limit: 1 })).queues.map((q) => q.name)).toEqual(['jobs-2']);
      const details = await client.getQueue('jobs');
      expect(details).toMatchObject({ name: 'jobs', stats: { activeMsgNum: 0 }, createdAt: expect.any(Number) });
      const changed = await client.setQueueAttributes('jobs', { maxMsgSize: 2048 });
      expect(changed.attributes).toMatchObject({ maxMsgSize: 2048, visibilityTimeout: 45 });
      await rejectsWith(client.setQueueAttributes('jobs', { maxMsgSize: 1 }), 'INVALID_ATTRIBUTE', 400);
      await client.deleteQueue('jobs');
      await rejectsWith(client.getQueue('jobs'), 'QUEUE_NOT_FOUND', 404);
      await rejectsWith(client.createQueue('9lives'), 'INVALID_NAME', 400);
    });

    it('stats, purge, rewind and redrive', async () => {
      const { client } = await setup();
      await client.createQueue('dlq');
      await client.createQueue('src', { rewindSeconds: 600, deadLetterPolicy: { deadLetterQueue: 'dlq', policy: 0, maxReceiveCount: 1 } });
      const t0 = Date.now() - 1000;
      await client.sendBatch('src', [{ body: 'a' }, { body: 'b' }]);
      expect(await client.queueStats('src')).toMatchObject({ activeMsgNum: 2 });
      const got = await client.receive('src', { max: 16 });
      expect(got).toHaveLength(2);
      await client.deleteMessages('src', got.map((m) => m.receiptHandle));
      expect(await client.rewindQueue('src', t0)).toBe(2);
      expect((await client.queueStats('src')).activeMsgNum).toBe(2);
      expect(await client.purgeQueue('src')).toBe(2);
      expect((await client.queueStats('src')).activeMsgNum).toBe(0);
      // A message received once and released dead-letters (maxReceiveCount 1); redrive brings it back.
      await client.send('src', { body: 'doomed' });
      const [m] = await client.receive('src', { max: 1 });
      await client.release('src', m!.receiptHandle);
      await eventually(async () => (await client.queueStats('dlq')).activeMsgNum === 1, 5000, 'a dead letter');
      expect(await client.redriveQueue('dlq')).toBe(1);
      expect((await client.queueStats('src')).activeMsgNum).toBe(1);
      await rejectsWith(client.rewindQueue('dlq', t0), 'REWIND_NOT_ENABLED', 400);
    });
  });

  describe(`SpoolClient (${kind}): messages`, () => {
    it('send, receive, changeVisibility, release, delete, complete, with errors', async () => {
      const { client } = await setup();
      await client.createQueue('jobs');
      await client.createQueue('replies');
      const id = await client.send('jobs', { body: 'one', priority: 1, attributes: { k: 'v' }, replyTo: 'replies', correlationId: 'c' });
      expect(id).toEqual(expect.any(String));
      const ids = await client.sendBatch('jobs', [{ body: 'two' }, { body: 'three' }]);
      expect(ids).toHaveLength(2);
      const [first] = await client.receive('jobs', { max: 1, visibilityTimeout: 60 });
      expect(first).toMatchObject({ msgId: id, body: 'one', attributes: { k: 'v' }, replyTo: 'replies', correlationId: 'c', dequeueCount: 1 });
      const { nextVisibleTime } = await client.changeVisibility('jobs', first!.receiptHandle, 120);
      expect(nextVisibleTime).toBeGreaterThan(Date.now() + 100_000);
      await client.release('jobs', first!.receiptHandle);
      const again = await client.receive('jobs', { max: 16 });
      expect(again.map((m) => m.body)).toEqual(['one', 'two', 'three']);
      const replyId = await client.complete('jobs', again[0]!.receiptHandle, { queue: 'replies', body: 'done', correlationId: 'c' });
      expect(replyId).toEqual(expect.any(String));
      await rejectsWith(client.complete('jobs', again[0]!.receiptHandle, { queue: 'replies', body: 'x' }), 'RECEIPT_HANDLE_STALE', 409);
      const deleted = await client.deleteMessages('jobs', [again[1]!.receiptHandle, 'bogus']);
      expect(deleted.deleted).toEqual([again[1]!.receiptHandle]);
      expect(deleted.failed).toEqual([expect.objectContaining({ receiptHandle: 'bogus', code: 'RECEIPT_HANDLE_INVALID' })]);
      expect(await client.receive('jobs', { max: 1, waitSeconds: 0 })).toEqual([]);
      await rejectsWith(client.send('nope', { body: 'x' }), 'QUEUE_NOT_FOUND', 404);
      await rejectsWith(client.send('jobs', { body: '' }), 'INVALID_MESSAGE_BODY', 400);
      await rejectsWith(client.sendBatch('jobs', []), 'BATCH_EMPTY', 400);
      await rejectsWith(client.changeVisibility('jobs', again[2]!.receiptHandle, -1), 'INVALID_PARAMETER', 400);
      const [reply] = await client.receive('replies', { max: 1 });
      expect(reply).toMatchObject({ body: 'done', correlationId: 'c' });
    });

    it('a long poll waits for a message', async () => {
      const { client } = await setup();
      await client.createQueue('jobs');
      const polled = client.receive('jobs', { max: 1, waitSeconds: 5 });
      await sleep(100);
      await client.send('jobs', { body: 'late' });
      expect((await polled).map((m) => m.body)).toEqual(['late']);
    });

    it('sendWs pipelines sends', async () => {
      const { client } = await setup();
      await client.createQueue('jobs');
      const ids = await Promise.all(Array.from({ length: 100 }, (_, i) => client.sendWs('jobs', { body: `m${i}` })));
      expect(new Set(ids).size).toBe(100);
      expect(await client.sendBatchWs('jobs', [{ body: 'x' }, { body: 'y' }])).toHaveLength(2);
      expect((await client.queueStats('jobs')).activeMsgNum).toBe(102);
      await rejectsWith(client.sendWs('nope', { body: 'x' }), 'QUEUE_NOT_FOUND', 404);
    });
  });

  describe(`SpoolClient (${kind}): subscribe`, () => {
    it('pushes messages to the handler, never more than prefetch unsettled, and acks them', async () => {
      const { client } = await setup();
      await client.createQueue('jobs');
      await client.sendBatch('jobs', Array.from({ length: 16 }, (_, i) => ({ body: `m${i}` })));
      let running = 0;
      let peak = 0;
      const seen: string[] = [];
      const sub = await client.subscribe('jobs', { prefetch: 4 }, async (m) => {
        running++;
        peak = Math.max(peak, running);
        seen.push(m.body);
        await sleep(10);
        running--;
        await m.ack();
      });
      await eventually(() => seen.length === 16, 10_000, '16 messages');
      expect(peak).toBeLessThanOrEqual(4);
      expect(peak).toBeGreaterThan(1);
      await eventually(async () => {
        const s = await client.queueStats('jobs');
        return s.activeMsgNum + s.inactiveMsgNum === 0;
      }, 5000, 'all acked');
      // The stats (over HTTP) can see the last ack committed before its answer reaches the client.
      await eventually(() => sub.inFlight === 0, 5000, 'the last ack answered');
      expect(sub).toMatchObject({ queue: 'jobs', prefetch: 4, inFlight: 0 });
      await sub.close();
    });

    it('delivery verbs: extend, release with delay, requeue, complete; a settled message refuses a second verb', async () => {
      const { client } = await setup();
      await client.createQueue('jobs');
      await client.createQueue('replies');
      const got: Delivery[] = [];
      await client.subscribe('jobs', { prefetch: 2, visibilityTimeout: 30 }, (m) => {
        got.push(m);
      });
      await client.send('jobs', { body: 'task', correlationId: 'c1' });
      await eventually(() => got.length === 1, 5000, 'a delivery');
      const m = got[0]!;
      expect(m).toMatchObject({ queue: 'jobs', body: 'task', settled: false, dequeueCount: 1 });
      const { nextVisibleTime } = await m.extend(300);
      expect(nextVisibleTime).toBeGreaterThan(Date.now() + 200_000);
      await rejectsWith(m.extend(0), 'INVALID_PARAMETER');
      await m.release();
      expect(m.settled).toBe(true);
      await rejectsWith(m.ack(), 'INVALID_PARAMETER');
      await eventually(() => got.length === 2, 5000, 'the redelivery');
      expect(got[1]!.dequeueCount).toBe(2);
      // A requeue does not count the delivery: the message comes back with the same dequeueCount.
      await got[1]!.requeue();
      expect(got[1]!.settled).toBe(true);
      await eventually(() => got.length === 3, 5000, 'the requeued delivery');
      const again = got[2]!;
      expect(again.dequeueCount).toBe(2);
      const replyId = await again.complete({ queue: 'replies', body: 'result', correlationId: again.correlationId ?? undefined });
      expect(replyId).toEqual(expect.any(String));
      const [reply] = await client.receive('replies', { max: 1 });
      expect(reply).toMatchObject({ body: 'result', correlationId: 'c1' });
      await client.send('jobs', { body: 'later' });
      await eventually(() => got.length === 4, 5000, 'fourth');
      const t0 = Date.now();
      await got[3]!.release(1);
      await eventually(() => got.length === 5, 5000, 'delayed redelivery');
      expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
      await got[4]!.ack();
    });

    it('a stale ack rejects with RECEIPT_HANDLE_STALE and settles the message', async () => {
      const { client } = await setup();
      await client.createQueue('jobs');
      const got: Delivery[] = [];
      await client.subscribe('jobs', { prefetch: 1 }, (m) => {
        got.push(m);
      });
      await client.send('jobs', { body: 'x' });
      await eventually(() => got.length === 1, 5000, 'delivery');
      await client.deleteMessages('jobs', [got[0]!.receiptHandle]); // acked elsewhere
      await rejectsWith(got[0]!.ack(), 'RECEIPT_HANDLE_STALE', 409);
      expect(got[0]!.settled).toBe(true);
      // The credit came back: the next message is pushed.
      await client.send('jobs', { body: 'y' });
      await eventually(() => got.length === 2, 5000, 'second delivery');
    });

    it('a handler that throws has its message reported and released with a delay that doubles per delivery', async () => {
      const { client } = await setup();
      await client.createQueue('jobs');
      const errors: string[] = [];
      client.events.on('error', ({ error, queue }) => errors.push(`${queue}: ${error.message}`));
      const seen: number[] = [];
      await client.subscribe('jobs', { prefetch: 1 }, async (m) => {
        seen.push(Date.now());
        if (seen.length < 4) throw new Error('boom');
        await m.ack();
      });
      await client.send('jobs', { body: 'x' });
      await eventually(() => seen.length === 4, 5000, 'three redeliveries');
      expect(errors).toEqual(['jobs: boom', 'jobs: boom', 'jobs: boom']);
      const gaps = seen.slice(1).map((t, i) => t - seen[i]!);
      // 100, 200, 400 ms: not straight back (a hot loop), and longer each time.
      expect(gaps[0]).toBeGreaterThanOrEqual(90);
      expect(gaps[1]).toBeGreaterThanOrEqual(190);
      expect(gaps[2]).toBeGreaterThanOrEqual(390);
    });

    it('setPrefetch changes the credit (0 pauses); drain waits for handlers; close releases unsettled messages', async () => {
      const { client } = await setup();
      await client.createQueue('jobs', { visibilityTimeout: 3600 });
      await client.sendBatch('jobs', Array.from({ length: 10 }, (_, i) => ({ body: `m${i}` })));
      const held: Delivery[] = [];
      const sub = await client.subscribe('jobs', { prefetch: 2 }, (m) => {
        held.push(m);
      });
      await eventually(() => held.length === 2, 5000, 'two');
      await sub.setPrefetch(4);
      await eventually(() => held.length === 4, 5000, 'four');
      await sub.setPrefetch(0);
      for (const m of held) await m.ack();
      await sleep(100);
      expect(held).toHaveLength(4);
      await sub.setPrefetch(3);
      await eventually(() => held.length === 7, 5000, 'seven');
      await rejectsWith(sub.setPrefetch(-1), 'INVALID_PARAMETER');
      // drain: no new messages, waits for the three unsettled ones.
      let drained = false;
      const draining = sub.drain().then(() => (drained = true));
      await sleep(100);
      expect(drained).toBe(false);
      for (const m of held.slice(4)) await m.ack();
      await draining;
      expect(held).toHaveLength(7);
      // close: another subscription's unsettled messages go back at once.
      const other: Delivery[] = [];
      const sub2 = await client.subscribe('jobs', { prefetch: 3 }, (m) => {
        other.push(m);
      });
      await eventually(() => other.length === 3, 5000, 'three');
      await sub2.close();
      await sub2.close(); // idempotent
      expect((await client.queueStats('jobs')).activeMsgNum).toBe(3);
      await rejectsWith(other[0]!.ack(), 'RECEIPT_HANDLE_STALE'); // as the broker would say, without asking it
    });

    it('subscribe errors: unknown queue, bad prefetch, no handler', async () => {
      const { client } = await setup();
      await client.createQueue('jobs');
      await rejectsWith(client.subscribe('nope', { prefetch: 1 }, () => {}), 'QUEUE_NOT_FOUND', 404);
      await rejectsWith(client.subscribe('jobs', { prefetch: 0 }, () => {}), 'INVALID_PARAMETER', 400);
      await expect(client.subscribe('jobs', { prefetch: 1 }, undefined as never)).rejects.toThrow(TypeError);
    });

    it('several subscribers on one client share the queue', async () => {
      const { client } = await setup();
      await client.createQueue('jobs');
      const counts = [0, 0];
      for (const i of [0, 1]) {
        await client.subscribe('jobs', { prefetch: 2 }, async (m) => {
          counts[i]!++;
          await sleep(5);
          await m.ack();
        });
      }
      await client.sendBatch('jobs', Array.from({ length: 16 }, (_, i) => ({ body: `m${i}` })));
      await eventually(() => counts[0]! + counts[1]! === 16, 5000, 'all');
      expect(Math.min(...counts)).toBeGreaterThan(2);
    });

    it('a subscription is by name: it outlives its queue being deleted and serves the queue created again', async () => {
      const { client } = await setup();
      await client.createQueue('jobs');
      const got: string[] = [];
      const errors: unknown[] = [];
      client.events.on('error', (err) => errors.push(err));
      await client.subscribe('jobs', { prefetch: 4 }, async (m) => {
        got.push(m.body);
        await m.ack();
      });
      await client.send('jobs', { body: 'before' });
      await eventually(() => got.length === 1, 5000, 'the first delivery');
      await client.deleteQueue('jobs');
      await client.createQueue('jobs');
      await client.send('jobs', { body: 'after' });
      await eventually(() => got.length === 2, 5000, 'the delivery from the new queue');
      expect(got).toEqual(['before', 'after']);
      expect(errors).toEqual([]);
    });

    it('close() ends everything; calls after close fail with CLOSED', async () => {
      const { client } = await setup();
      await client.createQueue('jobs');
      await client.subscribe('jobs', { prefetch: 1 }, () => {});
      await client[Symbol.asyncDispose]();
      expect(client.status).toEqual({ state: 'closed' });
      const err = await client.send('jobs', { body: 'x' }).catch((e: unknown) => e);
      expect((err as Error).name).toBe('SpoolClientClosedError');
      expect((err as SpoolClientError).code).toBe('CLOSED');
      await client.close();
    });
  });

  describe(`SpoolClient (${kind}): task support`, () => {
    it('cancels a queued message, and signals the delivery that holds a running one', async () => {
      const { client } = await setup();
      await client.createQueue('tasks');
      const queued = await client.send('tasks', { body: 'queued', delaySeconds: 60 });
      expect(await client.cancelMessage('tasks', queued)).toBe('removed');
      expect(await client.cancelMessage('tasks', queued)).toBe('gone');

      const running = await client.send('tasks', { body: 'running' });
      let held: Delivery | null = null;
      const subscription = await client.subscribe('tasks', { prefetch: 1 }, (delivery) => {
        held = delivery;
      });
      await eventually(() => held !== null);
      expect(held!.signal.aborted).toBe(false);
      expect(await client.cancelMessage('tasks', running)).toBe('running');
      await eventually(() => held!.signal.aborted);
      await held!.ack();
      await subscription.close();
    });

    it('stores a checkpoint body with an extension, and releases with a millisecond delay', async () => {
      const { client } = await setup();
      await client.createQueue('ckpt', { visibilityTimeout: 30 });
      await client.send('ckpt', { body: 'v1' });
      const [first] = await client.receive('ckpt', { max: 1 });
      await client.changeVisibility('ckpt', first!.receiptHandle, 30, { body: 'v2' });
      await client.release('ckpt', first!.receiptHandle, 0.05);
      await sleep(120);
      const [second] = await client.receive('ckpt', { max: 1 });
      expect(second).toMatchObject({ body: 'v2', dequeueCount: 2 });
    });
  });
}
