package dev.chitchat.participant;

import java.io.IOException;

/** Where the participant's input lines come from: a JLine terminal or plain standard input. */
public interface LineSource extends AutoCloseable {
  /**
   * Reads the next line, blocking.
   *
   * @return the line without its terminator, or {@code null} at end of input or on Ctrl-C
   * @throws IOException if reading fails
   */
  String readLine() throws IOException;

  @Override
  void close() throws IOException;
}
