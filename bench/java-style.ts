// A Thrift HTTP client built the way Hive JDBC's HTTP transport behaved with Apache HttpClient in
// the case issue 22 measured: a new TCP connection for every Thrift call (no keep-alive), about
// four calls per statement. The generated TCLIService client ships with hive-driver; the thrift
// library's HttpConnection with `agent: false` opens and closes a connection per POST.
import { createRequire } from 'node:module';
import thrift from 'thrift';

const require = createRequire(import.meta.url);

interface Handle {
  readonly [field: string]: unknown;
}
interface Status {
  readonly statusCode: number;
  readonly errorMessage?: string | null;
}
/** The calls used here, as the generated client answers them (promises when no callback is given). */
interface TCLIClient {
  OpenSession(req: object): Promise<{ status: Status; sessionHandle: Handle }>;
  ExecuteStatement(req: object): Promise<{ status: Status; operationHandle: Handle }>;
  GetOperationStatus(req: object): Promise<{ status: Status; operationState: number }>;
  FetchResults(req: object): Promise<{ status: Status; hasMoreRows?: boolean }>;
  CloseOperation(req: object): Promise<{ status: Status }>;
  CloseSession(req: object): Promise<{ status: Status }>;
}
interface Generated {
  readonly Client: unknown;
}

const TCLIService = require('hive-driver/thrift/gen-nodejs/TCLIService') as Generated;
const FINISHED = 2;
const PROTOCOL_V10 = 9;
const FETCH_NEXT = 0;

function check(what: string, s: Status): void {
  if (s.statusCode > 1) throw new Error(`${what}: status ${s.statusCode} ${s.errorMessage ?? ''}`);
}

/**
 * Opens a session, then runs `statements` small queries (ExecuteStatement, GetOperationStatus,
 * FetchResults, CloseOperation: four POSTs, four TCP connections each) and closes the session.
 * Resolves with the median milliseconds per statement.
 */
export async function javaStyleStatements(port: number, statements: number): Promise<number> {
  const connection = thrift.createHttpConnection('127.0.0.1', port, {
    path: '/cliservice',
    headers: { Connection: 'close', 'Content-Type': 'application/x-thrift' },
    nodeOptions: { agent: false },
  });
  const client = thrift.createHttpClient(TCLIService.Client as never, connection) as unknown as TCLIClient;
  const open = await client.OpenSession({ client_protocol: PROTOCOL_V10, username: 'bench', password: 'bench' });
  check('OpenSession', open.status);
  const sessionHandle = open.sessionHandle;
  const ms: number[] = [];
  try {
    for (let i = 0; i < statements; i++) {
      const t0 = performance.now();
      const exec = await client.ExecuteStatement({ sessionHandle, statement: 'SELECT * FROM range(10)', runAsync: true });
      check('ExecuteStatement', exec.status);
      const operationHandle = exec.operationHandle;
      for (let polls = 0; polls < 100; polls++) {
        const st = await client.GetOperationStatus({ operationHandle });
        check('GetOperationStatus', st.status);
        if (st.operationState === FINISHED) break;
      }
      check('FetchResults', (await client.FetchResults({ operationHandle, orientation: FETCH_NEXT, maxRows: 1000 })).status);
      check('CloseOperation', (await client.CloseOperation({ operationHandle })).status);
      ms.push(performance.now() - t0);
    }
  } finally {
    await client.CloseSession({ sessionHandle }).catch(() => undefined);
  }
  ms.sort((a, b) => a - b);
  return ms[ms.length >> 1]!;
}
