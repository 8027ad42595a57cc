import { z } from 'zod';
import { count, ms } from './fields.js';

/**
 * Background health checks (issue 3). The defaults aim at sub-second detection while costing
 * Livy one cheap request per node every `intervalMs`.
 */
export const checkKind = z.enum(['ha-status', 'rest', 'thrift', 'tcp', 'none'], {
  error: 'must be one of ha-status, rest, thrift, tcp, none',
});

export const checkSchema = z
  .object({
    kind: checkKind.default('ha-status'),
    intervalMs: ms(250),
    fastIntervalMs: ms(100),
    timeoutMs: ms(400),
    rise: count(1),
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
