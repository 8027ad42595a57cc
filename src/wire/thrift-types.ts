/** TBinaryProtocol's constants (PROTOCOL.md), shared by the reader (thrift-codec.ts) and the writer (thrift-writer.ts). */
export const TType = { STOP: 0, BOOL: 2, BYTE: 3, DOUBLE: 4, I16: 6, I32: 8, I64: 10, STRING: 11, STRUCT: 12, MAP: 13, SET: 14, LIST: 15 } as const;
export const MessageType = { CALL: 1, REPLY: 2, EXCEPTION: 3, ONEWAY: 4 } as const;
export const StatusCode = { SUCCESS: 0, SUCCESS_WITH_INFO: 1, STILL_EXECUTING: 2, ERROR: 3, INVALID_HANDLE: 4 } as const;

export const VERSION_1 = 0x80010000;
