import { Mutex } from 'async-mutex';
import Fastify, { type FastifyInstance } from 'fastify';
import { initialClients } from './clients';
import { createHandlers, type ServiceState } from './handlers';
import { ReadWriteLock } from './rwlock';

export interface AppOptions {
  /** Length of the simulated database call, in ms (50 in the walk-through). */
  slowCallMs?: number;
  /** Turns of the `/cpu` and `/cpualloc` loops (1,000,000 in the walk-through). */
  iterations?: number;
  logger?: boolean;
}

/** Builds the sample service without listening, so that tests can `inject()` into it. */
export function buildApp(options: AppOptions = {}): FastifyInstance {
  const state: ServiceState = {
    clients: initialClients(),
    mutex: new Mutex(),
    rwlock: new ReadWriteLock(),
    slowCallMs: options.slowCallMs ?? 50,
    iterations: options.iterations ?? 1_000_000,
  };
  const h = createHandlers(state);
  const app = Fastify({ logger: options.logger ?? false });

  app.get('/read', h.read);
  app.get('/fast', h.fast);
  app.get('/cpu', h.cpu);
  app.get('/cpualloc', h.cpualloc);
  app.get('/clients', h.listClients);
  app.post(
    '/clients/:id',
    {
      schema: {
        body: {
          type: 'object',
          required: ['subscribed_topics'],
          properties: { subscribed_topics: { type: 'array', items: { type: 'string' } } },
        },
      },
    },
    h.writeClient,
  );
  app.get('/hello', h.hello);
  return app;
}
