// Why a resume failed: a small fixed set, for the metric's label and the log line.
export type ResumeFailure = 'no-active' | 'connect' | 'login-refused' | 'open-refused' | 'replay-failed' | 'node-closed' | 'timeout' | 'not-resumable';

export class ResumeError extends Error {
  constructor(
    readonly reason: ResumeFailure,
    message: string,
  ) {
    super(message);
  }
}
