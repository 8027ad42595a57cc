// A Thrift-over-HTTP client that opens a new TCP connection for every call, as Hive JDBC over
// Apache HttpClient can (bench/java-style.ts), sending HTTP Basic on every request and no cookie.
// Every call races a deadline: thrift's HttpConnection reports a non-200 as an 'error' event and
// never settles the call's promise.
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

export class PerCallClient {
  private readonly client: Client;
  private failure: Error | undefined;
  sessionHandle: Handle | undefined;

  constructor(port: number, user: string, password: string) {
    const authorization = 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
    const connection = thrift.createHttpConnection('127.0.0.1', port, {
      path: '/cliservice',
      headers: { Connection: 'close', Authorization: authorization },
      nodeOptions: { agent: false },
    });
    connection.on('error', (err: Error) => (this.failure = err));
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

  /** Runs `sql` asynchronously as Hive JDBC does; its first column's values, or the error status. */
  async query(sql: string, sessionHandle = this.sessionHandle): Promise<string[] | Status> {
    const exec = await this.call(() => this.client.ExecuteStatement({ sessionHandle, statement: sql, runAsync: true }));
    if (exec.status.statusCode > 1) return exec.status;
    const operationHandle = exec.operationHandle;
    for (let polls = 0; polls < 200; polls++) {
      const st = await this.call(() => this.client.GetOperationStatus({ operationHandle }));
      if (st.status.statusCode > 1) return st.status;
      if (st.operationState === FINISHED) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const rows = await this.call(() => this.client.FetchResults({ operationHandle, orientation: 0, maxRows: 100 }));
    if (rows.status.statusCode > 1) return rows.status;
    await this.call(() => this.client.CloseOperation({ operationHandle }));
    return [...(rows.results?.columns?.[0]?.stringVal?.values ?? [])];
  }

  async close(): Promise<void> {
    await this.call(() => this.client.CloseSession({ sessionHandle: this.sessionHandle }), 2000).catch(() => undefined);
  }
}
