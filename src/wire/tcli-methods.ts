// The TCLIService methods (service-rpc/if/TCLIService.thrift) grouped by what their messages
// carry: one list each for the resume stage's view (tcli-view.ts) and the observer's (tcli-call.ts).

/** The metadata calls: each names a session and returns a new operation handle in field 2, as ExecuteStatement does. */
const METADATA_METHODS = [
  'GetTypeInfo',
  'GetCatalogs',
  'GetSchemas',
  'GetTables',
  'GetTableTypes',
  'GetColumns',
  'GetFunctions',
  'GetPrimaryKeys',
  'GetCrossReference',
];
/** The delegation-token calls and SetClientInfo: each names a session, and no operation. */
const SESSION_ONLY = ['GetDelegationToken', 'CancelDelegationToken', 'RenewDelegationToken', 'SetClientInfo'];

/** Methods whose request's field 1 is a TOperationHandle. */
export const OPERATION_CALLS = new Set(['GetOperationStatus', 'CancelOperation', 'CloseOperation', 'GetResultSetMetadata', 'FetchResults', 'GetQueryId']);
/** Methods whose reply's field 2 is the TOperationHandle of a new operation. */
export const CREATES_OPERATION = new Set(['ExecuteStatement', ...METADATA_METHODS]);
/** Methods whose request's field 1 is a TSessionHandle. */
export const SESSION_CALLS = new Set(['CloseSession', 'GetInfo', ...CREATES_OPERATION, ...SESSION_ONLY]);
/** Every method of the service in the IDL (hive-driver's copy has UploadData and DownloadData too). */
export const TCLI_METHODS: ReadonlySet<string> = new Set([
  ...['OpenSession', 'CloseSession', 'GetInfo', ...CREATES_OPERATION, ...OPERATION_CALLS],
  ...[...SESSION_ONLY, 'UploadData', 'DownloadData'],
]);
