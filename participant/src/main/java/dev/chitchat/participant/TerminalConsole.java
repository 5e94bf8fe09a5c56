package dev.chitchat.participant;

import java.io.IOException;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

/**
 * Input and output for an interactive participant, through JLine: incoming lines are printed above
 * the prompt, so what the user is typing is never garbled by a broadcast that arrives meanwhile.
 * Ctrl-C and Ctrl-D end the input (the participant then leaves). Thread-safe output.
 */
public final class TerminalConsole implements LineSource, Screen {

  private final Terminal terminal;
  private final LineReader reader;
  private final String prompt;

  /**
   * Opens the system terminal.
   *
   * @param prompt shown before the user's input, e.g. {@code "Alex> "}
   * @throws IOException if the terminal cannot be opened
   */
  public TerminalConsole(String prompt) throws IOException {
    this.terminal = TerminalBuilder.builder().system(true).build();
    this.reader = LineReaderBuilder.builder().terminal(terminal).appName("chitchat").build();
    this.prompt = prompt;
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

  @Override
  public void close() throws IOException {
    terminal.close();
  }
}
