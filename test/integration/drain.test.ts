/**
 * The drain sees work the agent cannot count yet: a route costing 100 ms of CPU a request,
 * warmed up at 20 connections, leaves requests unread in the kernel's receive queues of
 * connections the warm-up has closed. The window opens only once the port's queues are empty,
 * so what the service finished during the load is what the load got back.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import type { RunRecord } from '../../src/record/run';
import { fixture, freePort, runCli, tempFolder } from '../helpers';

/**
 * The agent counts finished responses in 100 ms buckets and the runner cuts them at the load's
 * end: a bucket that straddles it counts whole, at most two responses of a 100 ms route.
 */
const BUCKET_SLACK = 2;

test("a CPU-starved route's warm-up backlog is drained before the window: the service's count is the load's", async () => {
  const out = tempFolder('drain');
  try {
    const port = await freePort();
    const profiled = runCli(
      fixture('zoo/slow-route'),
      [
        'profile',
        '/report',
        '-c',
        '20',
        '-d',
        '3',
        '--warmup',
        '1',
        '--drain-timeout',
        '60',
        '--out',
        out,
        '--json',
        '--',
        `PORT=${port}`,
        'node',
        'server.js',
      ],
      150_000,
    );
    const record = JSON.parse(profiled.stdout) as RunRecord;
    const { warmup, served, load } = record;
    const figures = JSON.stringify({ warmup, served, answers: load?.requests, sent: load?.sent });
    assert.ok(warmup && served && load, figures);
    // The warm-up's requests were all read (and, the agent says, ended) before the window opened.
    assert.deepEqual(warmup.unreadAtOpen, { connections: 0, bytes: 0 }, figures);
    assert.equal(warmup.leftInFlight, 0, figures);
    assert.ok(load.requests > 0, `the load got answers: ${figures}`);
    // What the service finished while the load ran is what the load got back.
    assert.ok(
      Math.abs(served.finishedDuringLoad - load.requests) <= BUCKET_SLACK,
      `the service finished ${served.finishedDuringLoad} responses during the load, the load got ${load.requests}: ${figures}`,
    );
    // After the load, the service serves what the load left queued, one per connection at most.
    assert.ok(served.finished - served.finishedDuringLoad <= load.connections, figures);
    assert.equal(profiled.code, 0, profiled.stderr);
    assert.ok(fs.existsSync(path.join(out, record.id, 'run.json')));
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});
