import { z } from 'zod';
import { ms } from './fields.js';

/** `host:port[,host:port...]`, optionally with a chroot path, as every ZooKeeper client takes it. */
const connectString = z
  .string({ error: 'must be HOST:PORT[,HOST:PORT...]' })
  .regex(/^[^\s,:/]+:\d{1,5}(,[^\s,:/]+:\d{1,5})*(\/[^\s]*)?$/, { error: 'must be HOST:PORT[,HOST:PORT...] (e.g. zk1:2181,zk2:2181,zk3:2181)' });

const advertise = z
  .string({ error: 'must be HOST:PORT' })
  .regex(/^(\[[0-9A-Fa-f:.]+\]|[^\s:;=/[\]]+):\d{1,5}$/, { error: 'must be HOST:PORT, the address clients connect to (no ; = or /)' })
  // Only on a well-formed value: a malformed one gets one message, not a second about its port.
  .refine(
    (s) => {
      const p = Number(s.slice(s.lastIndexOf(':') + 1));
      return p >= 1 && p <= 65535;
    },
    { error: 'port must be 1-65535', when: (ctx) => ctx.issues.length === 0 },
  );

/**
 * Registration in ZooKeeper the way HiveServer2 registers (issue 14): clients with
 * `serviceDiscoveryMode=zooKeeper;zooKeeperNamespace=<namespace>` find a live router.
 */
export const zookeeperSchema = z
  .object({
    connect: connectString,
    /** The parent znode; HiveServer2's own default is `hiveserver2`. */
    namespace: z
      .string({ error: 'must be a znode name' })
      .regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, { error: 'must be a znode name like livy-router (letters, digits, . _ - and /, no leading /)' })
      .default('livy-router'),
    /** The host:port clients are told to connect to; default the listener's host (its FQDN when a wildcard) and port. */
    advertise: advertise.optional(),
    /** ZooKeeper removes a killed router's znode this long after its last heartbeat (server clamps to 2-20 ticks). */
    sessionTimeoutMs: ms(10000),
    /** What clients read from the znode (the JDBC driver applies it as if it were in the URL). */
    publish: z
      .object({
        /** binary or http; default the cluster's nodeTransport. */
        transportMode: z.enum(['binary', 'http'], { error: 'must be binary or http' }).optional(),
        httpPath: z
          .string()
          .regex(/^[^;=\s]+$/, { error: 'must not contain ; = or spaces' })
          .default('cliservice'),
        authentication: z
          .enum(['NONE', 'NOSASL', 'LDAP', 'PAM', 'CUSTOM', 'KERBEROS'], { error: 'must be NONE, NOSASL, LDAP, PAM, CUSTOM or KERBEROS' })
          .default('NONE'),
        /** The load balancer's principal (livy/ROUTER_FQDN@REALM), the same on every router; never _HOST. */
        principal: z
          .string()
          .regex(/^[^;=\s]+$/, { error: 'must not contain ; = or spaces' })
          .refine((p) => !p.includes('_HOST'), {
            error: "must name the load balancer host, not _HOST: the driver keeps the first server's principal when it retries another",
          })
          .optional(),
        ssl: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    /** Digest auth (`user:password`); the router's znodes then get ACL digest ALL + world READ. Never logged. */
    digest: z
      .string()
      .regex(/^[^:]+:.+$/, { error: 'must be user:password' })
      .optional(),
  })
  .strict();

export const discoverySchema = z
  .object({
    /** Absent: no registration. */
    zookeeper: zookeeperSchema.optional(),
  })
  .strict()
  .prefault({});

export type ZookeeperConfig = z.infer<typeof zookeeperSchema>;
