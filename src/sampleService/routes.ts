/** The sample service's routes in the walk-through's order, as data (no Fastify import: the extension reads it). */
export const SAMPLE_ROUTES = [
  { method: 'GET', path: '/read', what: 'Mutex held across a 50 ms await' },
  { method: 'GET', path: '/fast', what: 'read lock released before the await' },
  { method: 'GET', path: '/cpu', what: 'CPU-bound loop, no allocation per turn' },
  { method: 'GET', path: '/cpualloc', what: 'the same loop copying the ids every turn' },
  { method: 'POST', path: '/clients/:id', what: 'write through the write lock' },
  { method: 'GET', path: '/clients', what: 'the clients, under the read lock' },
  { method: 'GET', path: '/hello', what: 'trivial route' },
] as const;
