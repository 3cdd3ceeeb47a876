import { PierError } from "@pier/core";

/**
 * A release that must not be installed: a signature that does not verify, a digest that does not
 * match, a file that is not what it claims. The message says what failed and what to do.
 */
export class ReleaseVerificationError extends PierError {
  constructor(message: string) {
    super("release_verification_failed", message, 400);
  }
}

/** A release file (SHA256SUMS, signature, key, manifest) that cannot be read at all. */
export class ReleaseFormatError extends PierError {
  constructor(message: string) {
    super("release_format", message, 400);
  }
}
