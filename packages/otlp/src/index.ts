export {
  ingestKeyOf,
  MAX_FUTURE_SKEW_MS,
  type OtlpEncoding,
  type OtlpExport,
  OtlpIngestError,
  type OtlpLimits,
  type OtlpPartialSuccess,
  otlpEndpoint,
  readOtlpBody,
  statusProto,
} from "./endpoint.ts";
export {
  hexOf,
  jsonNestedDeeperThan,
  MAX_MESSAGE_DEPTH,
  ProtobufError,
  ProtoReader,
} from "./protobuf-reader.ts";
