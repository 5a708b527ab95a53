/** The `hotpath` CLI as a user runs it: the built bundle, in a child process. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  alive,
  CLI,
  childrenOf,
  eventually,
  QUICK,
  runCli,
  serveSample,
  tempFolder,
  written,
} from '../helpers';

let out: string;
before(() => {
  out = tempFolder('cli');
});
after(() => fs.rmSync(out, { recursive: true, force: true }));

const hotpath = (...args: string[]) => runCli(out, args, 60_000);

describe('hotpath CLI', () => {
  test('--help for the tool and each command', () => {
    const main = hotpath('--help');
    assert.equal(main.code, 0);
    assert.match(main.stdout, /hotpath profile <path>/);
    const profile = hotpath('profile', '--help');
    assert.equal(profile.code, 0);
    assert.match(profile.stdout, /--sampling-interval US/);
    assert.match(profile.stdout, /locust-like: 200 users/);
    assert.match(hotpath('serve', '--help').stdout, /--port/);
  });

  test('bad usage exits 2 with a message that names the problem, before any work', () => {
    const cases: [string[], RegExp][] = [
      [['profile'], /one endpoint path/],
      [['profile', '/x', '--connections=-5'], /connections: must be at least 1, got -5/],
      [['profile', '/x', '--duration', 'soon'], /duration: must be a number, got "soon"/],
      [['profile', '/x', '--preset', 'huge'], /unknown preset "huge"/],
      [['profile', '/x', '--url', 'http://192.0.2.10:8080'], /--allow-remote/],
      [['profile', '/x', '--url', 'nope'], /"nope" is not a URL/],
      [['profile', '/x', '--frobnicate'], /frobnicate/],
      [['profile', '/x', '-H', 'no colon'], /Name: value/],
      [['launch'], /unknown command "launch"/],
    ];
    for (const [args, message] of cases) {
      const result = hotpath(...args);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message, args.join(' '));
    }
    assert.deepEqual(fs.readdirSync(out), [], 'no run folder was made');
  });

  test('a run prints the load summary and where it was saved; --json prints the record', () => {
    const text = hotpath('profile', '/hello', ...QUICK);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /throughput\s+[\d,.]+ req\/s/);
    assert.match(text.stdout, /latency\s+p50/);
    assert.match(
      text.stdout,
      /saved\s+\.hotpath\/runs\/[^ ]+-hello-[0-9a-f]{4}\/ \(run\.json, profile\.cpuprofile\)/,
    );
    // The header and the summary on one stream (stdout); only progress on stderr.
    assert.match(text.stdout, /^GET \/hello · sample service · 2 connections × 1 s/);
    assert.doesNotMatch(text.stderr, /GET \/hello/);

    const json = hotpath('profile', '/hello', ...QUICK, '--json', '--no-profile');
    assert.equal(json.code, 0, json.stderr);
    const record = JSON.parse(json.stdout);
    assert.equal(record.jsonSchema, 3, 'the --json document says its version first');
    assert.equal(Object.keys(record)[0], 'jsonSchema');
    assert.equal(record.status, 'done');
    assert.equal(record.profile.file, null);
    assert.ok(record.load.requests > 0);
    assert.ok(fs.existsSync(path.join(record.folder, 'run.json')));
    assert.equal(fs.existsSync(path.join(record.folder, 'profile.cpuprofile')), false);
  });

  test('a failed run exits 1 and still says where its folder is', () => {
    const result = hotpath(
      'profile',
      '/',
      '--service',
      `"${process.execPath}" -e "process.exit(4)"`,
      '--url',
      'http://127.0.0.1:9',
    );
    assert.equal(result.code, 1);
    assert.match(
      result.stdout,
      /run failed while starting: the service `[^`]+ -e "process.exit\(4\)"` exited with code 4/,
    );
    assert.match(result.stdout, /saved\s+\.hotpath\/runs\//);
  });

  test('killing the CLI mid-load leaves no process behind', async () => {
    const child = spawn(
      process.execPath,
      [CLI, 'profile', '/fast', '-c', '4', '-d', '30', '--warmup', '0'],
      {
        cwd: out,
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    const stderr = written(child.stderr);
    assert.ok(
      await eventually(() => /responses/.test(stderr()), 15_000),
      `the load is running: ${stderr()}`,
    );
    const started = childrenOf(child.pid ?? -1);
    assert.ok(started.length >= 2, `the service and the load process: ${started}`);
    child.kill('SIGKILL');
    assert.ok(
      await eventually(() => started.every((pid) => !alive(pid)), 10_000),
      `left behind: ${started.filter(alive)}`,
    );
  });

  test('serve runs the sample service for curl until Ctrl+C', async () => {
    const { child, url } = await serveSample();
    try {
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+/);
      const response = await fetch(`${url}/fast`);
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), { total: 878934 + 223821 + 126722 });
      const exited = new Promise<number | null>((resolve) =>
        child.once('exit', (code) => resolve(code)),
      );
      child.kill('SIGINT');
      assert.equal(await exited, 0);
    } finally {
      // A failed test ends the service too, or the test file would wait for it.
      if (child.exitCode === null && child.signalCode === null) child.kill();
    }
  });
});
