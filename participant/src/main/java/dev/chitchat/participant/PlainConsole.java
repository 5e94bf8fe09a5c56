package dev.chitchat.participant;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Input and output for a participant whose standard input is not a terminal (the demo, tests,
 * pipes): lines are read plainly as UTF-8 and shown one per line. Thread-safe output.
 */
public final class PlainConsole implements LineSource, Screen {

  private final BufferedReader in;
  private final PrintStream out;

  public PlainConsole(InputStream in, PrintStream out) {
    this.in = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    this.out = out;
  }

  @Override
  public String readLine() throws IOException {
    return in.readLine();
  }

  @Override
  public void show(String line) {
    synchronized (out) {
      out.println(line);
      out.flush();
    }
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
