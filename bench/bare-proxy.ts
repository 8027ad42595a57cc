// A bare Node.js TCP proxy (two net.Sockets and pipe() per connection, nothing else), the floor
// the router's idle memory and connections/s are compared with in bench/ab.ts. Usage: as a bench
// child, `node dist/bench/bare-proxy.js NODE_PORT`; sends `{ port }` to its parent when listening.
import net from 'node:net';

const nodePort = Number(process.argv[2]);
const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
  client.on('error', () => {});
  const node = net.connect({ host: '127.0.0.1', port: nodePort, allowHalfOpen: true, noDelay: true });
  node.on('error', () => {});
  client.pipe(node);
  node.pipe(client);
  client.on('close', () => node.destroy());
  node.on('close', () => client.destroy());
});
server.listen({ host: '127.0.0.1', port: 0, backlog: 1024 }, () => {
  process.send?.({ port: (server.address() as net.AddressInfo).port });
});
process.on('disconnect', () => process.exit(0));
