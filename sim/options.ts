// How a simulated Livy node is configured. Re-exported by cluster.ts, the public entry point.

/** How a passive (follower) node turns a binary-mode Thrift client away. */
export type BinaryPassiveStyle =
  | 'refuse' // Thrift port closed while follower: ECONNREFUSED
  | 'reset' // accept, then RST
  | 'close' // accept, read the first bytes, then FIN without an answer
  | 'sasl-bad' // SASL BAD frame "Livy server is not active (follower)", then FIN
  | 'sasl-error' // SASL ERROR frame with the same message, then FIN
  | 'open-session-error' // serve SASL and GetInfo, answer OpenSession with ERROR_STATUS
  | 'hang'; // accept, never read, never answer

/** How a passive node answers an HTTP-mode Thrift call. */
export type HttpPassiveStyle =
  | 'http-307' // 307, Location: the leader's Thrift endpoint
  | 'http-503'
  | 'http-502'
  | 'http-close'; // read the request, close before a status line

export type PassiveStyle = BinaryPassiveStyle | HttpPassiveStyle;

export interface SimNodeOptions {
  name: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 or undefined: an ephemeral port, kept across kill/restart. */
  thriftPort?: number;
  restPort?: number;
  /** Default 'binary'. */
  transport?: 'binary' | 'http';
  /** Binary mode only; default 'plain' (SASL PLAIN). HTTP mode uses Basic when `users` is set. */
  /** 'any' tells SASL PLAIN from NOSASL by the first byte of each connection (no real HiveServer2
   * does): lets one test show one router port serving both kinds of client at once. */
  auth?: 'plain' | 'nosasl' | 'any';
  /** PLAIN / Basic credentials; undefined accepts any user, anonymous/anonymous included. */
  users?: Record<string, string>;
  /** Default 'sasl-bad' (binary) or 'http-503' (http). TCP styles (refuse, reset, close, hang) and
   * 'open-session-error' work in both transports. */
  passiveStyle?: PassiveStyle;
  /** The Thrift port (binary or HTTP) speaks TLS. */
  /** optional: plain clients are served too (told apart by the TLS record byte 0x16). */
  tls?: { key: string | Buffer; cert: string | Buffer; optional?: boolean };
  /** HTTP mode path; default 'cliservice'. */
  httpPath?: string;
  /** A leader that becomes follower closes every Thrift connection and forgets its sessions
   * (HiveServer2's failover does). true keeps them open and usable, to test a router that must cut
   * them itself. Default false. */
  keepConnectionsOnDemote?: boolean;
  /** Answer every call of a TCLIService method this many ms late (a slow call; a call in flight at a fault). */
  delayReplies?: Readonly<Record<string, number>>;
  /** As a passive, name this node (name, host:port) in its SASL and OpenSession refusals, as some
   * builds do ("node n2 is passive"): the passives' words then differ by their names. Default false. */
  passiveNamesItself?: boolean;
}

const TCP_STYLES: readonly PassiveStyle[] = ['refuse', 'reset', 'close', 'hang', 'open-session-error'];
const BINARY_STYLES: readonly PassiveStyle[] = [...TCP_STYLES, 'sasl-bad', 'sasl-error'];
const HTTP_STYLES: readonly PassiveStyle[] = [...TCP_STYLES, 'http-307', 'http-503', 'http-502', 'http-close'];

export interface ResolvedNodeOptions {
  name: string;
  host: string;
  thriftPort: number;
  restPort: number;
  transport: 'binary' | 'http';
  auth: 'plain' | 'nosasl' | 'any';
  users: Readonly<Record<string, string>> | undefined;
  passiveStyle: PassiveStyle;
  tls: { key: string | Buffer; cert: string | Buffer; optional?: boolean } | undefined;
  httpPath: string;
  keepConnectionsOnDemote: boolean;
  delayReplies: Readonly<Record<string, number>>;
  passiveNamesItself: boolean;
}

function checkPort(name: string, field: string, port: number | undefined): number {
  const value = port ?? 0;
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    throw new RangeError(`sim node ${name}: ${field} must be an integer 0..65535, got ${String(port)}`);
  }
  return value;
}

export function resolveNodeOptions(opts: SimNodeOptions): ResolvedNodeOptions {
  const name = opts.name;
  if (!name) throw new TypeError('sim node: name is required');
  const transport = opts.transport ?? 'binary';
  const passiveStyle = opts.passiveStyle ?? (transport === 'http' ? 'http-503' : 'sasl-bad');
  const allowed = transport === 'http' ? HTTP_STYLES : BINARY_STYLES;
  if (!allowed.includes(passiveStyle)) {
    throw new TypeError(`sim node ${name}: passiveStyle '${passiveStyle}' does not apply to ${transport} transport`);
  }
  return Object.freeze({
    name,
    host: opts.host ?? '127.0.0.1',
    thriftPort: checkPort(name, 'thriftPort', opts.thriftPort),
    restPort: checkPort(name, 'restPort', opts.restPort),
    transport,
    auth: opts.auth ?? 'plain',
    users: opts.users ? Object.freeze({ ...opts.users }) : undefined,
    passiveStyle,
    tls: opts.tls,
    httpPath: (opts.httpPath ?? 'cliservice').replace(/^\/+/, ''),
    keepConnectionsOnDemote: opts.keepConnectionsOnDemote ?? false,
    delayReplies: Object.freeze({ ...opts.delayReplies }),
    passiveNamesItself: opts.passiveNamesItself ?? false,
  });
}
