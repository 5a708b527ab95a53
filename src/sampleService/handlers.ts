import type { Mutex } from 'async-mutex';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Client } from './clients';
import type { ReadWriteLock } from './rwlock';

/** What the handlers share: the clients and the two locks that guard them. */
export interface ServiceState {
  clients: Map<string, Client>;
  /** `/read`'s lock: one holder at a time. */
  mutex: Mutex;
  /** `/fast`'s, `/cpu`'s and `/cpualloc`'s lock: readers share, writers exclude. */
  rwlock: ReadWriteLock;
  /** Stands for a database call. */
  slowCallMs: number;
  /** How many times `/cpu` and `/cpualloc` fold the ids. */
  iterations: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The routes of the walk-through. Every handler is a named function and keeps its hot loop in
 * its own body, so that a profile charges the time to the handler's own lines.
 *
 * The ids are parsed with `Number(id)`, which V8's optimizing compiler inlines. `parseInt` is a
 * call into a builtin, and a sample taken inside it loses its caller's frame: about half of
 * /cpu's samples went to `runMicrotasks` instead of the handler.
 */
export function createHandlers(state: ServiceState) {
  /** The user ids, as strings. */
  function collectIds(): string[] {
    const ids: string[] = [];
    for (const client of state.clients.values()) ids.push(client.user_id);
    return ids;
  }

  /** GET /read — the lock is held across the slow call: one request at a time. */
  async function read(request: FastifyRequest, reply: FastifyReply) {
    const release = await state.mutex.acquire();
    try {
      // A client that gave up while queued for the lock gets no work done for it, so that a
      // backlog left by an overloaded run does not poison the next one.
      if (request.raw.socket?.destroyed) return reply.code(499).send();
      const ids = collectIds();
      await sleep(state.slowCallMs);
      let total = 0;
      for (let j = ids.length - 1; j >= 0; j--) total += Number(ids[j]);
      return { total };
    } finally {
      release();
    }
  }

  /** GET /fast — a read lock, held only while copying the ids, released before the slow call. */
  async function fast() {
    const ids = await state.rwlock.runRead(collectIds);
    await sleep(state.slowCallMs);
    let total = 0;
    for (let j = ids.length - 1; j >= 0; j--) total += Number(ids[j]);
    return { total };
  }

  /** GET /cpu — CPU-bound: folds the parsed ids in reverse order, allocating nothing per turn. */
  async function cpu() {
    const ids = await state.rwlock.runRead(collectIds);
    let total = 0;
    for (let i = 0; i < state.iterations; i++) {
      let acc = i;
      for (let j = ids.length - 1; j >= 0; j--) acc += Number(ids[j]);
      total = (total + acc) | 0; // int32: no heap number even before V8 optimizes the loop
    }
    return { total };
  }

  /** GET /cpualloc — the same loop with a needless copy of the ids on every turn. */
  async function cpualloc() {
    const ids = await state.rwlock.runRead(collectIds);
    let total = 0;
    for (let i = 0; i < state.iterations; i++) {
      const copy = [...ids];
      let acc = i;
      for (let j = copy.length - 1; j >= 0; j--) acc += Number(copy[j]);
      total = (total + acc) | 0; // int32: no heap number even before V8 optimizes the loop
    }
    return { total };
  }

  /** POST /clients/:id — replaces a client's topics under the write side of the lock. */
  async function writeClient(
    request: FastifyRequest<{ Params: { id: string }; Body: { subscribed_topics: string[] } }>,
    reply: FastifyReply,
  ) {
    const { id } = request.params;
    const topics = request.body.subscribed_topics;
    const created = await state.rwlock.runWrite(() => {
      const existed = state.clients.has(id);
      state.clients.set(id, { user_id: id.replaceAll('-', ''), subscribed_topics: [...topics] });
      return !existed;
    });
    return reply.code(created ? 201 : 200).send(state.clients.get(id));
  }

  /** GET /clients — the clients, read under the read lock. */
  async function listClients() {
    return state.rwlock.runRead(() => [...state.clients.values()]);
  }

  /** GET /hello — a trivial route, for measuring the load generator itself. */
  async function hello() {
    return { hello: 'world' };
  }

  return { read, fast, cpu, cpualloc, writeClient, listClients, hello };
}
