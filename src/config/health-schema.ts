import { z } from 'zod';
import { count, ms } from './fields.js';

/**
 * Background health checks (issue 3). The defaults aim at sub-second detection while costing
 * Livy one cheap request per node every `intervalMs`, on a connection kept open between checks.
 *
 * Worst case to close a lost active's clients: a node that stops answering right after a good
 * check is seen at intervalMs + timeoutMs, confirmed (fall 2) fastIntervalMs + timeoutMs later:
 * 200 + 250 + 100 + 250 = 800 ms. A refused connect or a 503 needs no timeout: about 300 ms.
 * fall 2 means one lost answer (a GC pause under 350 ms) never cuts clients.
 */
export const checkKind = z.enum(['ha-status', 'rest', 'thrift', 'tcp', 'none'], {
  error: 'must be one of ha-status, rest, thrift, tcp, none',
});

export const checkSchema = z
  .object({
    kind: checkKind.default('ha-status'),
    /** Time between checks of a node whose state is settled. */
    intervalMs: ms(200),
    /** Time between checks while a node's state is changing or no node is active. */
    fastIntervalMs: ms(100),
    /** A check not answered within this is a failure (how a hung or black-holed node shows). */
    timeoutMs: ms(250),
    /** Consecutive 'active' answers before a node is reported active (one is precise enough). */
    rise: count(1),
    /** Consecutive contrary answers before an active node is reported lost. */
    fall: count(2),
    /** `rest` kind: the path to GET (200 = active, 307/308 = passive). */
    path: z.string().startsWith('/', { error: 'must start with /' }).default('/sessions'),
    tls: z.boolean().default(false),
    /** Verify the REST/Thrift TLS certificate of the node. */
    tlsVerify: z.boolean().default(true),
    user: z.string().optional(),
    password: z.string().optional(),
    /** `thrift` kind: SASL PLAIN with user/password, or raw NOSASL. */
    thriftAuth: z.enum(['plain', 'nosasl'], { error: 'must be plain or nosasl' }).default('plain'),
  })
  .strict();

export type CheckConfig = z.infer<typeof checkSchema>;

/** Per-node overrides: any field of the cluster-wide check. */
export const checkOverrideSchema = checkSchema.partial().strict();
export type CheckOverride = z.infer<typeof checkOverrideSchema>;
