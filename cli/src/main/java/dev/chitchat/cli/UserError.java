package dev.chitchat.cli;

/**
 * A failure caused by the user's input or environment (a bad argument, a port in use, a server that
 * does not answer): shown as one line, without a stack trace, with a non-zero exit code.
 */
final class UserError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int exitCode;

  UserError(String message) {
    this(message, 1);
  }

  UserError(String message, int exitCode) {
    super(message, null, false, false);
    this.exitCode = exitCode;
  }

  int exitCode() {
    return exitCode;
  }
}
