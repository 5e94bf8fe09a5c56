package dev.chitchat.cli;

/**
 * A {@code host:port} given on the command line: an immutable value.
 *
 * @param host a host name or IP address (IPv6 in brackets on the command line)
 * @param port 1 to 65535
 */
record Endpoint(String host, int port) {

  /**
   * Parses {@code host:port}, {@code [v6]:port} or a bare {@code port} (meaning localhost).
   *
   * @throws UserError (exit 2) with a one-line message if it is not one of these
   */
  static Endpoint parse(String text) {
    String host = "localhost";
    String portText = text;
    int colon = text.lastIndexOf(':');
    if (colon >= 0) {
      host = text.substring(0, colon);
      portText = text.substring(colon + 1);
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
    }
    int port;
    try {
      port = Integer.parseInt(portText);
    } catch (NumberFormatException e) {
      throw new UserError("Server address \"" + text + "\" is not HOST:PORT.", 2);
    }
    if (host.isEmpty() || port < 1 || port > 65535) {
      throw new UserError("Server address \"" + text + "\" is not HOST:PORT with a port from 1 to 65535.", 2);
    }
    return new Endpoint(host, port);
  }

  /** The gRPC target, e.g. {@code dns:///localhost:50051}. */
  String target() {
    return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
  }
}
