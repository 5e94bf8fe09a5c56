package dev.chitchat.diagrams;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code chitchat diagram [--check] RUN_DIR...}: draws the Lamport space-time diagram of a run, or
 * checks its logs. Register it as a subcommand of the {@code chitchat} command; it writes to the
 * {@link CommandLine}'s {@code out} and {@code err} writers, so tests can capture them.
 *
 * <p>Exit codes: {@value #OK} done (and, with {@code --check}, the logs are consistent); {@value
 * #VIOLATIONS} {@code --check} found violations, one line each on {@code out}; {@value #USAGE} usage
 * error (missing directory, no {@code .jsonl} file, bad option), one line on {@code err}; {@value
 * #IO_ERROR} a file could not be read or written. Not thread-safe: one instance per execution.
 */
@Command(
    name = "diagram",
    mixinStandardHelpOptions = true,
    usageHelpAutoWidth = true,
    description = {
      "Draws the Lamport space-time diagram of a run and checks the clock condition.",
      "Writes diagram.svg, diagram.png, diagram.html, diagram.mmd and shiviz.log into RUN_DIR"
          + " (or --out) and prints a summary. A long run continues on pages diagram-2.svg/.png, ..."
          + " and Mermaid parts diagram-2.mmd, .... With --check, only checks: exit 0 when the logs"
          + " are consistent, 1 with one line per violation."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:done; with --check: the logs are consistent",
      "1:--check found violations",
      "2:usage error (no such directory, no .jsonl files, bad option)",
      "3:a file could not be read or written"
    })
public final class DiagramCommand implements Callable<Integer> {

  /** Exit code: done, logs consistent. */
  public static final int OK = 0;
  /** Exit code: {@code --check} found violations. */
  public static final int VIOLATIONS = 1;
  /** Exit code: usage error. */
  public static final int USAGE = 2;
  /** Exit code: I/O error. */
  public static final int IO_ERROR = 3;

  @Spec CommandSpec spec;

  @Parameters(
      arity = "1..*",
      paramLabel = "RUN_DIR",
      description = "A run directory (every *.jsonl file in it is read), or JSON Lines log files.")
  List<Path> inputs;

  @Option(names = "--check", description = "Only check the logs; print one line per violation.")
  boolean check;

  @Option(names = "--out", paramLabel = "DIR", description = "Where to write the files (default: RUN_DIR, or the first file's directory).")
  Path out;

  @Option(names = "--from", paramLabel = "L", description = "Draw events from Lamport time L on.")
  Long from;

  @Option(names = "--to", paramLabel = "L", description = "Draw events up to Lamport time L.")
  Long to;

  @Option(
      names = {"--processes", "-p"},
      split = ",",
      paramLabel = "NAME",
      description = "Draw only these processes (comma-separated, e.g. server,Alex).")
  List<String> processes;

  @Option(
      names = "--layout",
      paramLabel = "KIND",
      defaultValue = "causal",
      converter = LayoutConverter.class,
      description = "causal: happens-before order, concurrent events by wall-clock time (default);"
          + " lamport: by Lamport timestamp alone.")
  LayoutKind layout;

  /** Reads {@code causal} or {@code lamport}, in any case. */
  static final class LayoutConverter implements CommandLine.ITypeConverter<LayoutKind> {
    @Override
    public LayoutKind convert(String value) {
      for (LayoutKind k : LayoutKind.values()) {
        if (k.name().equalsIgnoreCase(value)) {
          return k;
        }
      }
      throw new CommandLine.TypeConversionException("--layout must be causal or lamport, not '" + value + "'");
    }
  }

  @Option(names = "--hide-responses", description = "Leave out response legs (arrows and their events).")
  boolean hideResponses;

  @Option(names = "--show-probes",
      description = "Also draw the server's probes of idle participants (hidden by default).")
  boolean showProbes;

  @Option(
      names = "--max-events",
      paramLabel = "N",
      defaultValue = "" + DiagramOptions.DEFAULT_MAX_EVENTS,
      description = "Draw at most N events, the earliest in the layout's order (default: ${DEFAULT-VALUE}).")
  int maxEvents;

  @Option(
      names = "--label-chars",
      paramLabel = "N",
      defaultValue = "" + DiagramOptions.DEFAULT_LABEL_CHARS,
      description = "Characters of an event's text drawn under it, on up to two lines, cut with an"
          + " ellipsis (default: ${DEFAULT-VALUE}; the HTML's tooltip shows all).")
  int labelChars;

  @Option(names = {"--verbose", "-v"}, description = "Also list the notes (failed calls, messages lost to crashes).")
  boolean verbose;

  /**
   * A picocli handler that reports a bad command line in one line on {@code err} and returns {@value
   * #USAGE}, instead of printing the whole usage help. Install it on the top-level {@code
   * CommandLine} ({@link CommandLine#setParameterExceptionHandler}); {@link #commandLine()} does.
   */
  public static final CommandLine.IParameterExceptionHandler ONE_LINE_USAGE_ERRORS =
      (ex, args) -> {
        CommandLine cmd = ex.getCommandLine();
        cmd.getErr().println(cmd.getCommandName() + ": " + ex.getMessage() + " (see --help)");
        cmd.getErr().flush();
        return USAGE;
      };

  /** A {@link CommandLine} for this command alone, with {@link #ONE_LINE_USAGE_ERRORS}. */
  public static CommandLine commandLine() {
    return new CommandLine(new DiagramCommand()).setParameterExceptionHandler(ONE_LINE_USAGE_ERRORS);
  }

  @Override
  public Integer call() {
    PrintWriter stdout = spec.commandLine().getOut();
    PrintWriter stderr = spec.commandLine().getErr();
    try {
      for (Path input : inputs) {
        if (!Files.exists(input)) {
          return usage(stderr, "no such file or directory: " + input);
        }
      }
      DiagramOptions options;
      try {
        Set<String> names = processes == null ? Set.of() : new LinkedHashSet<>(processes);
        options = new DiagramOptions(from, to, names, hideResponses, maxEvents, labelChars, showProbes, layout);
      } catch (IllegalArgumentException e) {
        return usage(stderr, e.getMessage());
      }
      RunModel model;
      try {
        model = RunModel.read(inputs);
      } catch (RunModel.NoLogsException e) {
        return usage(stderr, e.getMessage());
      }
      for (String name : options.processes()) {
        if (model.processIndex(name) < 0) {
          return usage(stderr, "no process " + ClockChecker.text(name) + " in the logs (there are " + String.join(", ", model.processes()) + ")");
        }
      }
      CheckReport report = ClockChecker.check(model);
      if (check) {
        report.violations().forEach(stdout::println);
        if (verbose) {
          report.notes().forEach(n -> stdout.println("note: " + n));
        }
        if (!report.consistent()) {
          stderr.println(report.violations().size() + " violation(s) in " + model.eventCount() + " events");
        }
        stdout.flush();
        stderr.flush();
        return report.consistent() ? OK : VIOLATIONS;
      }
      Path outDir = out != null ? out : defaultOut(inputs.get(0));
      DiagramResult result = Diagrams.render(model, report, Diagrams.titleOf(inputs), outDir, options);
      stdout.print(Diagrams.summary(result, 10));
      if (verbose) {
        report.notes().forEach(n -> stdout.println("note: " + n));
      }
      stdout.flush();
      return OK;
    } catch (IOException | RuntimeException e) {
      stderr.println("diagram: " + e.getClass().getSimpleName() + ": " + e.getMessage());
      stderr.flush();
      return IO_ERROR;
    }
  }

  private static Path defaultOut(Path input) {
    if (Files.isDirectory(input)) {
      return input;
    }
    Path parent = input.toAbsolutePath().getParent();
    return parent == null ? Path.of(".") : parent;
  }

  private static int usage(PrintWriter err, String message) {
    err.println("diagram: " + message);
    err.flush();
    return USAGE;
  }

  /** Runs the command alone: {@code java dev.chitchat.diagrams.DiagramCommand RUN_DIR}. */
  public static void main(String[] args) {
    System.setProperty("java.awt.headless", "true");
    System.exit(commandLine().execute(args));
  }
}
