package dev.chitchat.participant;

import java.io.IOException;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Attributes;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

/**
 * Input and output for an interactive participant, through JLine: incoming lines are printed above
 * the prompt ({@link LineReader#printAbove}), so what the user is typing is never garbled by a
 * broadcast that arrives meanwhile. Ctrl-C and Ctrl-D end the input (the participant then leaves).
 *
 * <p>The terminal stays in raw mode from {@link #open} to {@link #close}, not only inside {@code
 * readLine}: otherwise the terminal itself echoes what is typed or pasted between two reads, and
 * a delivery printed then lands in the middle of it. Thread-safe output.
 */
public final class TerminalConsole implements LineSource, Screen {

  private final Terminal terminal;
  private final LineReader reader;
  private final String prompt;
  private final Attributes original;

  /**
   * A console on {@code terminal}, which it owns and closes.
   *
   * @param prompt shown before the user's input, e.g. {@code "Alex> "}
   */
  public TerminalConsole(Terminal terminal, String prompt) {
    this.terminal = terminal;
    this.reader = LineReaderBuilder.builder().terminal(terminal).appName("chitchat").build();
    this.prompt = prompt;
    this.original = terminal.enterRawMode();
  }

  /**
   * Opens the system terminal.
   *
   * @param prompt shown before the user's input, e.g. {@code "Alex> "}
   * @throws IOException if the terminal cannot be opened
   */
  public static TerminalConsole open(String prompt) throws IOException {
    return new TerminalConsole(TerminalBuilder.builder().system(true).build(), prompt);
  }

  @Override
  public String readLine() {
    try {
      return reader.readLine(prompt);
    } catch (UserInterruptException | EndOfFileException e) {
      return null;
    }
  }

  @Override
  public void show(String line) {
    reader.printAbove(line);
  }

  /** Restores the terminal's modes and closes it. */
  @Override
  public void close() throws IOException {
    terminal.setAttributes(original);
    terminal.close();
  }
}
