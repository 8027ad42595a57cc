// A one-node simulated Livy cluster in its own process, for the 1,000,000-row fetch: the node
// encodes the rows, the client decodes them and the proxy carries them, each on its own event
// loop. Sends `{ port }` (the Thrift port) to its parent; closes when the parent disconnects.
// `node sim-node.js http`: the node speaks Thrift over HTTP (for bench/java-style.ts).
import { startSimCluster } from '../sim/cluster.js';

const transport = process.argv[2] === 'http' ? 'http' : 'binary';
const cluster = await startSimCluster({ nodes: [{ name: 'livy-1', transport }], active: 'livy-1' });
process.send?.({ port: cluster.node('livy-1').thriftPort });
process.on('disconnect', () => void cluster.close());
