/**
 * `hotpath profile / -- node server.js` finds the port, and services that do not fit get their
 * own message at once (not a hang until the ready timeout): IPv6 only, a unix socket, another
 * port than --url's, several ports, a start script that replaces NODE_OPTIONS.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { test } from 'node:test';
import { fixture, freePort, freePorts, QUICK, runCli, tempFolder } from '../helpers';

/** Runs `hotpath profile` from a temp folder; returns its exit code and all it printed. */
function hotpath(args: string[]): { status: number | null; output: string; seconds: number } {
  const cwd = tempFolder('find-port');
  const started = Date.now();
  try {
    const run = runCli(cwd, ['profile', ...args], 120_000);
    return {
      status: run.code,
      output: `${run.stdout}${run.stderr}`,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    fs.rmSync(cwd, { recursive: true, force: true });
  }
}

// The messages must come well before the ready timeout, which is set high to tell them apart.
const patient = ['--ready-timeout', '60'];

/** `hotpath profile /`, a quick run, of `service` at --url http://127.0.0.1:<port>. */
const profileAt = (service: string, port: number, more: string[] = []) =>
  hotpath(['/', ...QUICK, ...more, '--service', service, '--url', `http://127.0.0.1:${port}`]);

test('profile / -- node server.js: the port the service listens on is found', async () => {
  const port = await freePort();
  const run = hotpath(['/', ...QUICK, '--', process.execPath, fixture('server.js'), String(port)]);
  assert.equal(run.status, 0, run.output);
  assert.match(run.output, new RegExp(`load and CPU profile on http://127\\.0\\.0\\.1:${port}/`));
  assert.match(run.output, /throughput .* req\/s/);
});

test('several ports and no --url: both named, with how to choose', async () => {
  // Two ports free now (not port + 1, which may be another program's on a busy machine).
  const [port, metrics] = await freePorts(2);
  const run = hotpath([
    '/',
    ...QUICK,
    ...patient,
    '--',
    process.execPath,
    fixture('misfits/twoPorts.js'),
    String(port),
    String(metrics),
  ]);
  assert.equal(run.status, 1, run.output);
  assert.match(run.output, new RegExp(`listens on ports ${port} \\(pid \\d+\\), ${metrics}`));
  assert.match(run.output, /--url http:\/\/127\.0\.0\.1:/);
  assert.ok(run.seconds < 30, `took ${run.seconds} s`);
});

test('a service listening on IPv6 loopback only: named with the URL to use', async (t) => {
  const probe = net.createServer();
  const v6 = await new Promise<boolean>((resolve) => {
    probe.once('error', () => resolve(false));
    probe.listen(0, '::1', () => probe.close(() => resolve(true)));
  });
  if (!v6) {
    t.skip('this machine has no IPv6 loopback (::1)');
    return;
  }
  const port = await freePort();
  const service = `"${process.execPath}" "${fixture('misfits/ipv6Only.js')}" ${port}`;
  const run = profileAt(service, port, patient);
  assert.equal(run.status, 1, run.output);
  assert.match(
    run.output,
    new RegExp(`listens on \\[::1\\]:${port} only.*use --url http://\\[::1\\]:${port}`),
  );
  // Without --url, the IPv6 address is used.
  const found = hotpath([
    '/',
    ...QUICK,
    '--',
    process.execPath,
    fixture('misfits/ipv6Only.js'),
    String(port),
  ]);
  assert.equal(found.status, 0, found.output);
  assert.match(found.output, new RegExp(`on http://\\[::1\\]:${port}/`));
});

test('a unix socket, another port than --url, a replaced NODE_OPTIONS: each its message, early', async () => {
  const cases: [string, string, RegExp][] = [
    [
      'unix socket',
      `"${process.execPath}" "${fixture('misfits/unixSocket.js')}"`,
      /listens on a unix socket \(.*\.sock\), not on a TCP port/,
    ],
    [
      'another port',
      `"${process.execPath}" "${fixture('server.js')}" OTHER_PORT`,
      /listens on port \d+ \(pid \d+\), not on \d+ \(--url .*\): use --url http:\/\/127\.0\.0\.1:\d+/,
    ],
    [
      'NODE_OPTIONS',
      `sh "${fixture('misfits/replacesNodeOptions.sh')}" PORT`,
      /pid \d+ \(node .*server\.js \d+\), which .* started, answers at .* but did not load Hotpath's agent: its NODE_OPTIONS is "--max-old-space-size=512"/,
    ],
  ];
  for (const [name, command, message] of cases) {
    const port = await freePort();
    // Another free port (not port + 1: on a busy machine that may be an outgoing socket's).
    let other = await freePort();
    while (other === port) other = await freePort();
    const service = command.replace('OTHER_PORT', String(other)).replace('PORT', String(port));
    const run = profileAt(service, port, patient);
    assert.equal(run.status, 1, `${name}: ${run.output}`);
    assert.match(run.output, message, name);
    assert.ok(run.seconds < 30, `${name}: took ${run.seconds} s (the ready timeout is 60 s)`);
  }
});

test('HTTPS with a self-signed certificate: named, and loaded with --insecure', async () => {
  const keys = tempFolder('tls');
  try {
    const [key, cert] = [path.join(keys, 'key.pem'), path.join(keys, 'cert.pem')];
    const made = spawnSync('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
    ]);
    assert.equal(made.status, 0, `openssl: ${made.stderr}`);
    const port = await freePort();
    const service = `TLS_KEY="${key}" TLS_CERT="${cert}" "${process.execPath}" "${fixture('misfits/https.js')}" ${port}`;
    const url = `https://127.0.0.1:${port}`;
    const refused = hotpath(['/', ...QUICK, ...patient, '--service', service, '--url', url]);
    assert.equal(refused.status, 1, refused.output);
    assert.match(refused.output, /a certificate Node does not trust \(DEPTH_ZERO_SELF_SIGNED_CERT/);
    assert.match(refused.output, /add --insecure/);
    const loaded = hotpath(['/', ...QUICK, '--service', service, '--url', url, '--insecure']);
    assert.equal(loaded.status, 0, loaded.output);
    assert.match(loaded.output, /throughput .* req\/s · [1-9][\d,]* responses .* 0 errors/);
  } finally {
    fs.rmSync(keys, { recursive: true, force: true });
  }
});

test('a path whose warm-up answers only errors: exit 1 before the load, with the status', () => {
  const run = hotpath(['/no-such-route', '--duration', '1', '--warmup', '0.5', '-c', '2']);
  assert.equal(run.status, 1, run.output);
  assert.match(
    run.output,
    /run failed while warming up: every request of the warm-up to .*\/no-such-route failed \(404 × [\d,]+\)/,
  );
  assert.match(run.output, /--allow-errors/);
  assert.doesNotMatch(run.output, /load and CPU profile on/, 'the load never started');
});

/** Services that throw before they listen: what the output must show of it, and must not. */
const crashes: { title: string; script: string; shows: [RegExp, string?][]; hides: RegExp[] }[] = [
  {
    title: "a crash on start shows the service's own thrown line and source line",
    script: 'crashOnStart.mjs',
    shows: [
      [/crashOnStart\.mjs:5\n/, 'the file and line it threw at'],
      [/if \(depth === 0\) throw new Error\('DATABASE_URL is not set'\);/],
      [/Error: DATABASE_URL is not set/],
    ],
    hides: [],
  },
  {
    title: "a module that throws while it is required: the user's frames, none of Hotpath's",
    script: 'crashOnRequire/server.cjs',
    shows: [
      [/config\.cjs:2\nif \(!process\.env\.DATABASE_URL\) throw/, "Node's marker stays"],
      [/Error: DATABASE_URL is not set/],
      [/at Object\.<anonymous> \(.*config\.cjs:2:/, 'where it threw'],
      [/server\.cjs:3:/, 'the require that loaded it'],
      [/at require \(node:internal/, "Node's require frames stay"],
    ],
    hides: [/hotpathRequire|agent\.js/],
  },
];

for (const { title, script, shows, hides } of crashes) {
  test(title, async () => {
    const port = await freePort();
    const run = profileAt(`"${process.execPath}" "${fixture(script)}"`, port);
    assert.equal(run.status, 1, run.output);
    for (const [pattern, what] of shows) assert.match(run.output, pattern, what);
    for (const pattern of hides) assert.doesNotMatch(run.output, pattern, run.output);
  });
}
