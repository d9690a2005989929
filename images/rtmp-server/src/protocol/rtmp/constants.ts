/** RTMP message type ids (RTMP 1.0 spec §5.4, §7.1). */
export const MSG_SET_CHUNK_SIZE = 1;
export const MSG_ABORT = 2;
export const MSG_ACK = 3;
export const MSG_USER_CONTROL = 4;
export const MSG_WINDOW_ACK_SIZE = 5;
export const MSG_SET_PEER_BANDWIDTH = 6;
export const MSG_AUDIO = 8;
export const MSG_VIDEO = 9;
export const MSG_DATA_AMF3 = 15;
export const MSG_COMMAND_AMF3 = 17;
export const MSG_DATA_AMF0 = 18;
export const MSG_COMMAND_AMF0 = 20;

/** User control event types (§7.1.7). */
export const UC_STREAM_BEGIN = 0;
export const UC_STREAM_EOF = 1;
export const UC_STREAM_IS_RECORDED = 4;
export const UC_PING_REQUEST = 6;
export const UC_PING_RESPONSE = 7;

/** Chunk stream ids we send on (the same for every session, so one encoding serves every player). */
export const CSID_CONTROL = 2;
export const CSID_COMMAND = 3;
export const CSID_AUDIO = 4;
export const CSID_DATA = 5;
export const CSID_VIDEO = 6;

/** The message stream id every session's createStream returns; media is encoded once for it. */
export const MEDIA_STREAM_ID = 1;

/** Window acknowledgement size we announce (bytes), as SRS and nginx-rtmp do. */
export const WINDOW_ACK_SIZE = 2_500_000;

/** flashVer of our edges' links to an origin: the origin tells these (only) when the publisher goes. */
export const EDGE_FLASH_VER = 'rtmp-k8s-edge';
