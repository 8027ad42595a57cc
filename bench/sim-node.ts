// A one-node simulated Livy cluster in its own process, for the 1,000,000-row fetch: the node
// encodes the rows, the client decodes them and the proxy carries them, each on its own event
// loop. Sends `{ port }` (the Thrift port) to its parent; closes when the parent disconnects.
import { startSimCluster } from '../sim/cluster.js';

const cluster = await startSimCluster({ nodes: [{ name: 'livy-1' }], active: 'livy-1' });
process.send?.({ port: cluster.node('livy-1').thriftPort });
process.on('disconnect', () => void cluster.close());
