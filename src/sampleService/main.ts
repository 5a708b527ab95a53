import { parseArgs } from 'node:util';
import { buildApp } from './app';

/**
 * The sample service as a program: `node sampleService.js [--port 0] [--host 127.0.0.1]`.
 * Once listening it prints one machine-readable line, `{"event":"listening","url":…,"pid":…}`.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      log: { type: 'boolean', default: false },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(
      `sample service: --port must be a whole number from 0 to 65535, got "${values.port}"\n`,
    );
    process.exit(2);
  }
  const app = buildApp({ logger: values.log });
  const close = () => {
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', close);
  process.once('SIGINT', close);
  await app.listen({ port, host: values.host });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  process.stdout.write(
    `${JSON.stringify({ event: 'listening', url: `http://${host}:${address.port}`, pid: process.pid })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(
    `sample service: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
