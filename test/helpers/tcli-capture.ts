// Records the exact bytes a hive-driver client and a simulated Livy node exchange over one TCP
// connection, for each transport, while the client makes every kind of call a JDBC client makes:
// open, GetInfo, execute async and sync, status, metadata, fetch, cancel, close. The framer and
// call-view tests cut these streams; nothing here is mocked.
import http from 'node:http';
import net from 'node:net';
import hive from 'hive-driver';
import { onStop } from './registry.js';
import { startSimNode } from './sim.js';

export interface Capture {
  /** Everything the client sent, and everything the node sent, on the one connection. */
  fromClient: Buffer;
  fromNode: Buffer;
}

export type CaptureTransport = 'sasl' | 'nosasl' | 'http';

const { TCLIService, TCLIService_types } = hive.thrift;
const utils = new hive.HiveUtils(TCLIService_types);
export const CAPTURED_ROWS = 300;

/** A relay that records both directions of the one connection it carries. */
function recordingRelay(target: number): Promise<{ port: number; done: Promise<Capture> }> {
  const fromClient: Buffer[] = [];
  const fromNode: Buffer[] = [];
  let resolveDone: (c: Capture) => void = () => {};
  const done = new Promise<Capture>((r) => (resolveDone = r));
  const server = net.createServer((client) => {
    server.close();
    const node = net.connect(target, '127.0.0.1');
    client.on('error', () => node.destroy());
    node.on('error', () => client.destroy());
    client.on('data', (d: Buffer) => (fromClient.push(d), node.write(d)));
    node.on('data', (d: Buffer) => (fromNode.push(d), client.write(d)));
    client.on('end', () => node.end());
    node.on('end', () => client.end());
    let closed = 0;
    const onClose = () => {
      if (++closed === 2) resolveDone({ fromClient: Buffer.concat(fromClient), fromNode: Buffer.concat(fromNode) });
    };
    client.on('close', () => (node.destroy(), onClose()));
    node.on('close', () => (client.destroy(), onClose()));
  });
  onStop(() => server.close());
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ port: (server.address() as net.AddressInfo).port, done })));
}

type Session = Awaited<ReturnType<InstanceType<typeof hive.HiveClient>['openSession']>>;

/** Every call kind, in JDBC's order; metadata calls the simulator does not serve get error replies (still replies). */
async function script(session: Session): Promise<void> {
  await session.getInfo(TCLIService_types.TGetInfoType.CLI_DBMS_VER);
  const async = await session.executeStatement(`select * from range(${CAPTURED_ROWS})`, { runAsync: true });
  await utils.waitUntilReady(async, false, () => {});
  await utils.fetchAll(async);
  await async.close();
  const sync = await session.executeStatement('select node', { runAsync: false });
  await utils.fetchAll(sync);
  await sync.close();
  const meta: Array<() => Promise<unknown>> = [
    () => session.getTypeInfo(),
    () => session.getCatalogs(),
    () => session.getSchemas({ schemaName: 'default' }),
    () => session.getTables({ schemaName: 'default', tableName: 't%' }),
    () => session.getTableTypes(),
    () => session.getColumns({ schemaName: 'default', tableName: 't' }),
    () => session.getFunctions({ functionName: 'f' }),
    () => session.getPrimaryKeys({ schemaName: 'default', tableName: 't' }),
    () =>
      session.getCrossReference({
        parentCatalogName: 'x',
        foreignCatalogName: 'x',
        parentSchemaName: 'a',
        parentTableName: 'b',
        foreignSchemaName: 'c',
        foreignTableName: 'd',
      }),
  ];
  for (const call of meta) await call().catch(() => undefined);
  const slow = await session.executeStatement('select sleep(5000)', { runAsync: true });
  await slow.status(false);
  await slow.cancel();
  await slow.close();
  await session.close();
}

export async function captureSession(transport: CaptureTransport): Promise<Capture> {
  const node = await startSimNode({
    name: `capture-${transport}`,
    transport: transport === 'http' ? 'http' : 'binary',
    auth: transport === 'nosasl' ? 'nosasl' : 'plain',
  });
  node.setRole('leader');
  const relay = await recordingRelay(node.thriftPort);
  const client = new hive.HiveClient(TCLIService, TCLIService_types);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    if (transport === 'http') {
      const options = { path: '/cliservice', https: false, nodeOptions: { agent } };
      await client.connect(
        { host: '127.0.0.1', port: relay.port, options },
        new hive.connections.HttpConnection(),
        new hive.auth.PlainHttpAuthentication({ username: 'alice', password: 'secret' }),
      );
    } else {
      const auth =
        transport === 'nosasl' ? new hive.auth.NoSaslAuthentication() : new hive.auth.PlainTcpAuthentication({ username: 'alice', password: 'secret' });
      await client.connect({ host: '127.0.0.1', port: relay.port, options: {} }, new hive.connections.TcpConnection(), auth);
    }
    // Hive JDBC sends the login in OpenSession too: the view must read the user and never the password.
    const session = await client.openSession({
      client_protocol: TCLIService_types.TProtocolVersion.HIVE_CLI_SERVICE_PROTOCOL_V10,
      username: 'alice',
      password: 'secret',
    });
    await script(session);
  } finally {
    client.close();
    agent.destroy();
  }
  return relay.done;
}
