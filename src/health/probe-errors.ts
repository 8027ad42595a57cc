/**
 * What a failed health probe's error code says, for every check alike (REST and Thrift probes
 * used to classify apart, and disagreed on EPROTO and DNS errors).
 * - unreachable: nothing listens there, or the name or route is gone: the node is down.
 * - tls: the TLS handshake failed (untrusted certificate, wrong name, not TLS at all): the
 *   router's configuration, not the node's role.
 * - lost: the node accepted, then reset or closed before answering (how some passives refuse).
 * - garbage: the node answered something that is not HTTP.
 * - other: anything else (counted as down by the checks).
 */
export type ProbeErrorKind = 'unreachable' | 'tls' | 'lost' | 'garbage' | 'other';

const UNREACHABLE = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME']);
const LOST = new Set(['ECONNRESET', 'EPIPE', 'LR_CHECK_CONNECTION_LOST']);
const TLS = /CERT|SELF_SIGNED|UNABLE_TO|HOSTNAME|ERR_TLS|ERR_SSL|EPROTO/;

export function classifyProbeError(code: string | undefined): ProbeErrorKind {
  if (!code) return 'other';
  if (UNREACHABLE.has(code)) return 'unreachable';
  if (LOST.has(code)) return 'lost';
  if (code.startsWith('HPE_')) return 'garbage';
  if (TLS.test(code)) return 'tls';
  return 'other';
}
