export { createSecretBox, DecryptionError, type SecretBox } from "./cipher.ts";
export { loadOrCreateKey } from "./key-file.ts";
