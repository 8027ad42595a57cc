import { z } from 'zod';
import { count, host, listenPort, ms, port } from './fields.js';
import { checkOverrideSchema, checkSchema } from './health-schema.js';
import { discoverySchema } from './discovery-schema.js';
import { restSchema } from './rest-schema.js';
import { clouderaManagerSchema } from './cloudera-manager-schema.js';

export const listenerTransport = z.enum(['binary', 'http', 'auto'], { error: 'must be binary, http or auto' });

const listenerSchema = z
  .object({
    host: host.default('0.0.0.0'),
    port: listenPort,
    transport: listenerTransport.default('auto'),
  })
  .strict();

const nodeSchema = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z0-9._-]+$/, { error: 'must be letters, digits, . _ or -' })
      .optional(),
    host,
    port: port.default(10090),
    /** Livy REST port: /ha-status and 307 redirects live there. */
    restPort: port.default(8998),
    check: checkOverrideSchema.optional(),
  })
  .strict();

export const configSchema = z
  .object({
    listeners: z
      .array(listenerSchema)
      .min(1, { error: 'at least one listener is needed' })
      .default([{ host: '0.0.0.0', port: 10090, transport: 'auto' }]),
    /** Required unless clouderaManager lists them (config/shorthands.ts says so in words). */
    nodes: z.array(nodeSchema).default([]),
    /** The nodes from Cloudera Manager instead of `nodes` (src/node-list/). */
    clouderaManager: clouderaManagerSchema.optional(),
    /** What the Livy nodes speak; one cluster speaks one transport. */
    nodeTransport: z.enum(['binary', 'http'], { error: 'must be binary or http' }).default('binary'),
    connectTimeoutMs: ms(2000),
    handshake: z
      .object({
        /** Time a node has to answer the client's handshake before the next node is tried. */
        timeoutMs: ms(20000),
        /** Time a new client has to send its first bytes (every Hive client speaks first). */
        clientFirstBytesTimeoutMs: ms(10000),
        /**
         * Time a client has from accept to commit, held time not counted: bounds what one slow or
         * trickling client can cost in descriptors and node connections.
         */
        deadlineMs: ms(10000),
        /** Client bytes kept for replay to the next node; past this the current node is committed. */
        maxBufferedBytes: count(256 * 1024, 1024),
        /** Largest HTTP request head (request line + headers) accepted from a client. */
        maxHeaderBytes: count(16 * 1024, 1024),
      })
      .strict()
      .prefault({}),
    session: z
      .object({
        /** Close a committed connection after this long without bytes either way; 0 = never. */
        idleTimeoutMs: ms(0, { allowZero: true }),
        keepAliveInitialDelayMs: ms(30000, { allowZero: true }),
        noDelay: z.boolean().default(true),
        /** Decode each committed session's Thrift calls on the side (metrics, /status, slow calls); never changes a byte. */
        observe: z.boolean().default(false),
        /** With observe: a call slower than this, request to reply, is logged at warn. */
        slowCallMs: ms(10000),
        /** With observe: slow-call lines carry the statement's digest (every literal replaced by ?), never its text. */
        logStatementDigests: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    /**
     * Connected TCP connections kept to the active node, so a client's complete first message goes
     * out without waiting for a connect (upstream/ready-connections.ts). Each one holds a worker
     * thread on a binary-mode Livy node until a client takes it or it is replaced.
     */
    readyConnections: z
      .object({
        /**
         * How many at most; 0 = off (every client's node connection is dialled after its first message).
         * Off by default: it measured no gain on loopback (issue 22), and a Livy node logs every
         * silent connection the set replaces as a client that never logged in.
         */
        count: count(0, 0),
        /** Replaced after this long unused: below the node's login timeout (Livy: 20 s), which closes a silent connection. */
        maxAgeMs: ms(15000),
      })
      .strict()
      .prefault({}),
    health: checkSchema.prefault({}),
    /** What happens to client connections on a node that stops being the active one. */
    onActiveLost: z.enum(['close', 'keep', 'resume'], { error: 'must be close, keep or resume' }).default('close'),
    /** With onActiveLost=resume: sessions re-opened on the new active at the same time, at most. */
    resumeConcurrency: count(16),
    /**
     * With onActiveLost=resume, HTTP mode: a session no request named for this long is forgotten
     * (its kept login too) and is not resumed at a later failover. Livy's HTTP idle timeout: 30 min.
     */
    resumeHttpIdleMs: ms(1_800_000),
    /** With onActiveLost=close: wait this long before closing (lets running queries finish). */
    activeLostGraceMs: ms(0, { allowZero: true }),
    /** While no node is active, new connections wait up to holdMs for one. */
    holdMs: ms(15000, { allowZero: true }),
    maxHeldConnections: count(1000),
    /** Client sockets one listener keeps open at most; more are dropped at accept (HAProxy's maxconn). */
    maxClientConnections: count(16384),
    /** Client sockets one source address keeps open at most, over all listeners; 0 = no limit. */
    maxClientConnectionsPerSource: count(256, 0),
    admin: z
      .object({
        host: host.default('127.0.0.1'),
        port: listenPort.default(9090),
        enabled: z.boolean().default(true),
        /**
         * /readyz answers 503 while no Livy node is known active. False keeps it 200 then: for
         * keepalived or a load balancer in front of two routers that see the same Livy cluster,
         * where moving the address would not help.
         */
        readyRequiresActive: z.boolean().default(true),
        /** Host names the endpoint answers besides localhost and IP addresses ('*': any). */
        allowedHosts: z.array(z.string().min(1, { error: 'must not be empty' })).default([]),
        /** Bearer token required on /status and /metrics; or tokenFile, read at start and reload. */
        token: z.string().min(16, { error: 'must be at least 16 characters' }).optional(),
        tokenFile: z.string().min(1, { error: 'must be a file path' }).optional(),
      })
      .strict()
      .refine((a) => a.token === undefined || a.tokenFile === undefined, { error: 'give admin.token or admin.tokenFile, not both' })
      .prefault({}),
    shutdownGraceMs: ms(30000, { allowZero: true }),
    /** Registration in ZooKeeper for clients that look routers up there (docs/router-ha.md). */
    discovery: discoverySchema,
    /** Livy's REST API through the router (docs/rest.md); absent: off. */
    rest: restSchema.optional(),
    log: z
      .object({
        level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { error: 'must be a pino level' }).default('info'),
        pretty: z.boolean().default(false),
        /**
         * JSON lines are written in batches: at least every flushMs, or at once when 4 KiB are
         * waiting, and on exit. 0: each line is written as it is made (one write per line).
         */
        flushMs: z.number().int().min(0).max(1000).default(100),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type ConfigInput = z.input<typeof configSchema>;
type Parsed = z.infer<typeof configSchema>;
export type NodeConfig = Omit<Parsed['nodes'][number], 'name'> & { readonly name: string };
export type ListenerConfig = Parsed['listeners'][number];
export type RouterConfig = Readonly<Omit<Parsed, 'nodes'> & { nodes: readonly NodeConfig[] }>;
