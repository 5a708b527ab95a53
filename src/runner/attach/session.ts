/**
 * A DevTools protocol session with a Node process's inspector over its WebSocket (Node 20 has no
 * WebSocket client of its own: `ws`). It offers what `node:inspector`'s Session offers the agent
 * (`post` with a callback, `on` with `{ params }`), so that the agent's worker-thread profiler
 * (agent/threads.ts) runs over it unchanged.
 */
import * as http from 'node:http';
import WebSocket from 'ws';
import { HotpathError, messageOf } from '../../vocabulary/errors';
import { hostPort, type InspectorAddress } from './address';

/** A whole CPU profile comes back in one message: far over ws's 100 MiB default cap. */
const MAX_MESSAGE_BYTES = 1 << 30;
/** How long one command may take; a profile's stop may be long on a big service. */
const COMMAND_TIMEOUT_MS = 60_000;
const CONNECT_TIMEOUT_MS = 5_000;

interface Target {
  type?: string;
  title?: string;
  url?: string;
  webSocketDebuggerUrl?: string;
}

type Handler = (message: { params: unknown }) => void;

export class InspectorSession {
  #nextId = 1;
  readonly #pending = new Map<
    number,
    { resolve: (r: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }
  >();
  readonly #handlers = new Map<string, Set<Handler>>();
  #closedWhy: string | undefined;
  readonly closed: Promise<string>;

  private constructor(
    private readonly socket: WebSocket,
    /** The process's title as its inspector lists it (its script). */
    readonly title: string,
  ) {
    socket.on('message', (data) => this.#received(String(data)));
    this.closed = new Promise((resolve) => {
      socket.once('close', () => {
        this.#closedWhy ??= 'the inspector closed the connection';
        for (const { reject, timer } of this.#pending.values()) {
          clearTimeout(timer);
          reject(new Error(this.#closedWhy));
        }
        this.#pending.clear();
        resolve(this.#closedWhy);
      });
    });
  }

  /**
   * Connects to the one Node process the inspector at `address` lists. The list's own WebSocket
   * URL names the address the process bound (inside a container, say): the connection goes to
   * the address given, where the list was read.
   */
  static async connect(address: InspectorAddress): Promise<InspectorSession> {
    const where = hostPort(address);
    let targets: Target[];
    try {
      targets = JSON.parse(await getText(`http://${where}/json/list`)) as Target[];
    } catch (error) {
      throw new HotpathError(
        'ATTACH',
        `no inspector answered at ${where} (${messageOf(error)}): start the service with --inspect=${where}, or open its inspector with \`kill -USR1 <pid>\` (127.0.0.1:9229)`,
      );
    }
    const nodes = targets.filter((t) => t.type === 'node' && t.webSocketDebuggerUrl);
    if (nodes.length !== 1)
      throw new HotpathError(
        'ATTACH',
        `the inspector at ${where} lists ${nodes.length} Node processes; Hotpath attaches to one`,
      );
    const listed = new URL(nodes[0].webSocketDebuggerUrl as string);
    const url = `ws://${where}${listed.pathname}`;
    const socket = new WebSocket(url, {
      maxPayload: MAX_MESSAGE_BYTES,
      perMessageDeflate: false,
      handshakeTimeout: CONNECT_TIMEOUT_MS,
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', (error) =>
        reject(
          new HotpathError(
            'ATTACH',
            // Node's inspector takes one client at a time on older versions, and says so by 400.
            `could not connect to the inspector at ${url}: ${error.message} (is a debugger attached already?)`,
          ),
        ),
      );
    });
    return new InspectorSession(socket, nodes[0].title ?? nodes[0].url ?? 'node');
  }

  /** A command, as node:inspector's Session.post takes it. */
  post(
    method: string,
    params: object | undefined,
    callback?: (error: Error | null, result?: unknown) => void,
  ): void {
    this.send(method, params).then(
      (result) => callback?.(null, result),
      (error: Error) => callback?.(error),
    );
  }

  send(method: string, params: object = {}): Promise<unknown> {
    if (this.#closedWhy !== undefined) return Promise.reject(new Error(this.#closedWhy));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`the service's inspector did not answer ${method}`));
      }, COMMAND_TIMEOUT_MS);
      this.#pending.set(id, { resolve, reject, timer });
      this.socket.send(JSON.stringify({ id, method, params }), (error) => {
        if (!error) return;
        clearTimeout(timer);
        this.#pending.delete(id);
        reject(error);
      });
    });
  }

  /** An expression evaluated in the service's main context, its value returned as JSON. */
  async evaluate(expression: string): Promise<unknown> {
    const reply = (await this.send('Runtime.evaluate', {
      expression,
      returnByValue: true,
      awaitPromise: true,
      // `require` among the command line's helpers, for a service whose Node lacks getBuiltinModule.
      includeCommandLineAPI: true,
    })) as {
      result?: { value?: unknown };
      exceptionDetails?: { exception?: { description?: string }; text?: string };
    };
    if (reply.exceptionDetails)
      throw new Error(
        reply.exceptionDetails.exception?.description ?? reply.exceptionDetails.text ?? 'exception',
      );
    return reply.result?.value;
  }

  on(event: string, handler: Handler): this {
    const set = this.#handlers.get(event) ?? new Set();
    this.#handlers.set(event, set);
    set.add(handler);
    return this;
  }

  off(event: string, handler: Handler): void {
    this.#handlers.get(event)?.delete(handler);
  }

  /** Ends the connection; the service goes on, its inspector open as it was. */
  close(): Promise<void> {
    this.#closedWhy ??= 'Hotpath closed the connection';
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    this.socket.close();
    return Promise.race([
      this.closed.then(() => undefined),
      new Promise<void>((resolve) =>
        setTimeout(() => {
          this.socket.terminate();
          resolve();
        }, 2000).unref(),
      ),
    ]);
  }

  #received(raw: string): void {
    let message: {
      id?: number;
      result?: unknown;
      error?: { message?: string };
      method?: string;
      params?: unknown;
    };
    try {
      message = JSON.parse(raw);
    } catch {
      return;
    }
    if (typeof message.id === 'number') {
      const pending = this.#pending.get(message.id);
      if (!pending) return;
      this.#pending.delete(message.id);
      clearTimeout(pending.timer);
      if (message.error) pending.reject(new Error(message.error.message ?? 'inspector error'));
      else pending.resolve(message.result);
      return;
    }
    if (message.method)
      for (const handler of this.#handlers.get(message.method) ?? [])
        handler({ params: message.params });
  }
}

function getText(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { agent: false, timeout: CONNECT_TIMEOUT_MS }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () =>
        response.statusCode === 200
          ? resolve(body)
          : reject(new Error(`HTTP ${response.statusCode}`)),
      );
    });
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', reject);
  });
}
