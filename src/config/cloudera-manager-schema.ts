import net from 'node:net';
import { z } from 'zod';
import { ms } from './fields.js';

/** Loopback hosts may be reached over plain http (tests, a CM proxied through an SSH tunnel). */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (net.isIPv4(h)) return h.startsWith('127.');
  return h === '::1';
}

const cmUrl = z
  .string({ error: 'must be a URL like https://cm.example.com:7183' })
  .refine((s) => URL.canParse(s), { error: 'must be a URL like https://cm.example.com:7183' })
  .refine(
    (s) => {
      if (!URL.canParse(s)) return true;
      const u = new URL(s);
      return u.protocol === 'https:' || (u.protocol === 'http:' && isLoopbackHost(u.hostname));
    },
    // The Basic credentials travel with every request: plain http would show them to the network.
    { error: 'must be https:// (plain http:// only to a loopback address: the CM password is sent with every request)' },
  )
  .refine((s) => !URL.canParse(s) || (new URL(s).username === '' && new URL(s).password === ''), {
    error: 'must not contain credentials: use user and passwordFile',
  });

/** `*.example.com`, `livy?.example.com` or a plain name; matched case-insensitively against the whole host name. */
const hostPattern = z
  .string()
  .min(1, { error: 'must not be empty' })
  .regex(/^[A-Za-z0-9*?._-]+$/, { error: 'must be a host name pattern (letters, digits, . _ - and the wildcards * ?)' });

/**
 * Where the Livy nodes come from when they are not listed by hand (issue 20): the Livy server
 * roles of one Livy service in Cloudera Manager, read again every `pollIntervalMs`. The password
 * is only ever read from `passwordFile`, never written in the file or given on the command line.
 */
export const clouderaManagerSchema = z
  .object({
    url: cmUrl,
    /** Left out: CM must manage exactly one cluster. */
    cluster: z.string().min(1, { error: 'must not be empty' }).optional(),
    /** Left out: the cluster must have exactly one Livy service (LIVY, LIVY_FOR_SPARK3, LIVY_FOR_SPARK4). */
    service: z.string().min(1, { error: 'must not be empty' }).optional(),
    user: z.string({ error: 'must be the name of a read-only CM user' }).min(1, { error: 'must not be empty' }),
    /** Its first line is the password; read at start and on every reload, never logged. */
    passwordFile: z.string({ error: 'must be a file path' }).min(1, { error: 'must be a file path' }),
    /** PEM bundle of the CAs CM's certificate chains to; default the system's trust store. */
    caFile: z.string().min(1, { error: 'must be a file path' }).optional(),
    /** The API version to use (`v54`); default the highest CM names at `/api/version`. */
    apiVersion: z
      .string()
      .regex(/^v\d+$/, { error: 'must be like v54' })
      .optional(),
    pollIntervalMs: ms(60_000),
    /** Each request to CM; a slower answer counts as a failed poll and the last good list stays. */
    timeoutMs: ms(10_000),
    /** A discovered host outside these patterns is logged and skipped; empty: every host. */
    allowedHosts: z.array(hostPattern).default([]),
  })
  .strict();

export type ClouderaManagerConfig = z.infer<typeof clouderaManagerSchema>;
