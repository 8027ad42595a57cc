// Thrift-over-HTTP clients as Hive JDBC over Apache HttpClient behaves: `per-call` opens a new TCP
// connection for every call (bench/java-style.ts) and sends HTTP Basic on every request, no cookie;
// `cookie` keeps one keep-alive connection and, like JDBC's cookie store, sends its credentials
// only until the server sets the hive.server2.auth cookie, then the cookie alone. Every call races
// a deadline: thrift's HttpConnection reports a non-200 as an 'error' event and never settles the call.
import http from 'node:http';
import { createRequire } from 'node:module';
import thrift from 'thrift';

const require = createRequire(import.meta.url);
const TCLIService = require('hive-driver/thrift/gen-nodejs/TCLIService') as { Client: unknown };

type Handle = Readonly<Record<string, unknown>>;
interface Status {
  readonly statusCode: number;
  readonly sqlState?: string | null;
  readonly errorMessage?: string | null;
}
interface Column {
  readonly stringVal?: { readonly values: readonly string[] } | null;
}
interface Client {
  OpenSession(req: object): Promise<{ status: Status; sessionHandle: Handle }>;
  ExecuteStatement(req: object): Promise<{ status: Status; operationHandle: Handle }>;
  GetOperationStatus(req: object): Promise<{ status: Status; operationState: number }>;
  FetchResults(req: object): Promise<{ status: Status; results?: { columns?: readonly Column[] | null } | null }>;
  CloseOperation(req: object): Promise<{ status: Status }>;
  CloseSession(req: object): Promise<{ status: Status }>;
}

const FINISHED = 2;

class SlowAgent extends http.Agent {
  constructor() {
    super({ keepAlive: true, maxSockets: 1 });
  }

  override createConnection(...args: Parameters<http.Agent['createConnection']>): ReturnType<http.Agent['createConnection']> {
    const socket = super.createConnection(...args);
    if (socket) {
      socket.on('data', () => {
        socket.pause();
        setTimeout(() => socket.resume(), 30);
      });
    }
    return socket;
  }
}

export class PerCallClient {
  private readonly client: Client;
  private failure: Error | undefined;
  sessionHandle: Handle | undefined;
  private readonly agent: http.Agent | undefined;
  /** Requests sent with an Authorization header. */
  withCredentials = 0;

  /** `slow`: a slow reader (cookie mode): its socket pauses 30 ms after every chunk it reads. */
  constructor(port: number, user: string, password: string, mode: 'per-call' | 'cookie' = 'per-call', slow = false) {
    const authorization = 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
    this.agent = mode === 'cookie' ? (slow ? new SlowAgent() : new http.Agent({ keepAlive: true, maxSockets: 1 })) : undefined;
    const headers: Record<string, string> = mode === 'cookie' ? { Authorization: authorization } : { Connection: 'close', Authorization: authorization };
    const connection = thrift.createHttpConnection('127.0.0.1', port, { path: '/cliservice', headers, nodeOptions: { agent: this.agent ?? false } });
    connection.on('error', (err: Error) => (this.failure = err));
    const relay = connection.responseCallback;
    connection.responseCallback = (response: http.IncomingMessage) => {
      if (headers.Authorization) this.withCredentials++;
      const cookie = (response.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]!).find((c) => c.startsWith('hive.server2.auth='));
      if (mode === 'cookie' && cookie) {
        headers.Cookie = cookie;
        delete headers.Authorization;
      }
      relay.call(connection, response);
    };
    this.client = thrift.createHttpClient(TCLIService.Client as never, connection) as unknown as Client;
  }

  private async call<T>(work: () => Promise<T>, ms = 10_000): Promise<T> {
    this.failure = undefined;
    let timer: NodeJS.Timeout | undefined;
    const poll = new Promise<never>((_, reject) => {
      const started = Date.now();
      timer = setInterval(() => {
        if (this.failure) reject(this.failure);
        else if (Date.now() - started > ms) reject(new Error(`no answer within ${ms} ms`));
      }, 20);
    });
    try {
      return await Promise.race([work(), poll]);
    } finally {
      clearInterval(timer);
    }
  }

  async open(): Promise<void> {
    const open = await this.call(() => this.client.OpenSession({ client_protocol: 9, username: 'x', password: 'x' }));
    if (open.status.statusCode > 1) throw new Error(`OpenSession: ${open.status.errorMessage ?? ''}`);
    this.sessionHandle = open.sessionHandle;
  }

  /** Runs `sql` asynchronously as Hive JDBC does; its last string column's values (SET k: the value), or the error status. */
  async query(sql: string, sessionHandle = this.sessionHandle, maxRows = 100): Promise<string[] | Status> {
    const exec = await this.call(() => this.client.ExecuteStatement({ sessionHandle, statement: sql, runAsync: true }));
    if (exec.status.statusCode > 1) return exec.status;
    const operationHandle = exec.operationHandle;
    for (let polls = 0; polls < 200; polls++) {
      const st = await this.call(() => this.client.GetOperationStatus({ operationHandle }));
      if (st.status.statusCode > 1) return st.status;
      if (st.operationState === FINISHED) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const rows = await this.call(() => this.client.FetchResults({ operationHandle, orientation: 0, maxRows }));
    if (rows.status.statusCode > 1) return rows.status;
    await this.call(() => this.client.CloseOperation({ operationHandle }));
    return [...((rows.results?.columns ?? []).filter((c) => c.stringVal).at(-1)?.stringVal?.values ?? [])];
  }

  async close(): Promise<void> {
    await this.call(() => this.client.CloseSession({ sessionHandle: this.sessionHandle }), 2000).catch(() => undefined);
    this.agent?.destroy();
  }
}
