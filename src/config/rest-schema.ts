import { z } from 'zod';
import { count, host, listenPort, ms } from './fields.js';

const MiB = 1024 * 1024;

/** Idle kept-alive connections the REST pool keeps per node (more are closed): the descriptor budget counts them. */
export const REST_IDLE_SOCKETS_PER_NODE = 16;

/**
 * Livy's REST API on a second port (issue 21): every request goes to the node the cluster model
 * holds active, so REST clients that lose credentials on a 307 (Python requests, curl -L, Livy's
 * Java client, Knox) need no redirect at all. Absent: no REST listener.
 */
export const restSchema = z
  .object({
    host: host.default('0.0.0.0'),
    /** Livy's own REST port by default: clients change only the host name. */
    port: listenPort.default(8998),
    /** Serve HTTPS with this certificate (PEM files): Basic credentials then never cross in clear. */
    tls: z
      .object({
        cert: z.string({ error: 'must be a PEM file path' }).min(1, { error: 'must be a PEM file path' }),
        key: z.string({ error: 'must be a PEM file path' }).min(1, { error: 'must be a PEM file path' }),
      })
      .strict()
      .optional(),
    /** The nodes' REST ports speak HTTPS; default: what `health.tls` says. */
    nodeTls: z.boolean({ error: 'must be true or false' }).optional(),
    /** PEM CA bundle that signed the nodes' REST certificates (CDP auto-TLS); default: Node's CA store. */
    caFile: z.string({ error: 'must be a PEM file path' }).min(1, { error: 'must be a PEM file path' }).optional(),
    /** Request bodies kept to re-send after a 307 from a node the model still held active; 0: never re-send a body. */
    maxReplayBodyBytes: count(MiB, 0),
    /** Largest request body; more gets 413. 0: no limit (bodies are streamed, never held whole). */
    maxBodyBytes: count(1024 * MiB, 0),
    /** Largest request head (request line and headers). */
    maxHeaderBytes: count(16 * 1024, 1024),
    /** Time a client has to send its request head. */
    headersTimeoutMs: ms(10000),
    /** Time a client has to send its whole request, body included; 0: no limit. */
    requestTimeoutMs: ms(300000, { allowZero: true }),
    /** No byte from the node (its answer, or the client not reading it) for this long ends the request. */
    idleTimeoutMs: ms(60000),
    /** An idle kept-alive client connection is closed after this. */
    keepAliveTimeoutMs: ms(5000),
    /** Connections to one node at most (kept alive between requests). */
    maxSocketsPerNode: count(256),
  })
  .strict();

export type RestConfig = z.infer<typeof restSchema>;
