/**
 * Errors that belong to the router's own host, not to the node it was dialling: out of file
 * descriptors (EMFILE, ENFILE), buffers or memory (ENOBUFS, ENOMEM), or local ports
 * (EADDRNOTAVAIL). They say nothing about any node, so they never change the cluster model.
 */
const LOCAL_ERROR_CODES: ReadonlySet<string> = new Set(['EMFILE', 'ENFILE', 'ENOBUFS', 'ENOMEM', 'EADDRNOTAVAIL']);

export function isLocalError(code: string | undefined): boolean {
  return code !== undefined && LOCAL_ERROR_CODES.has(code);
}
