package dev.chitchat.cli;

import dev.chitchat.diagrams.DiagramResult;
import dev.chitchat.diagrams.Diagrams;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code chitchat demo}: plays a scenario with one server and one process per participant over
 * loopback gRPC, then prints where the logs are and what each participant delivered.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Plays a scripted chat: starts a server (or --servers N replicas) and one process per",
      "participant, plays the scenario,",
      "stops them, and prints the run's log directory and, per participant, the lines it delivered",
      "with their Lamport timestamps. Waits for each step by watching the logs.",
      "Ends by drawing the run's space-time diagram and checking the clock condition (see 'diagram').",
      "Exit status: 0 when every check passed, 1 when a delivery or clock check failed, 2 for bad input."
    })
final class DemoCommand implements Callable<Integer> {

  static final String DEFAULT_SCENARIO = "default.scenario";

  @Spec CommandSpec spec;

  @Option(names = "--scenario", paramLabel = "FILE",
      description = "Scenario file (default: the built-in scenarios/default.scenario).")
  Path scenario;

  @Option(names = "--run-dir", paramLabel = "DIR",
      description = "Where the run's logs go; must not exist or be empty (default: runs/<date>T<time>).")
  Path runDir;

  @Option(names = "--servers", defaultValue = "1", paramLabel = "N",
      description = {"Server replicas: 1 (default) runs one server; 3 or more run a Raft cluster",
          "s1..sN, which the scenario may kill, restart, stop and continue (1 to 9)."})
  int servers;

  @Option(names = "--step-timeout", defaultValue = "30", paramLabel = "SECONDS",
      description = "Longest wait for one step, in seconds (default: ${DEFAULT-VALUE}).")
  long stepTimeoutSeconds;

  @Override
  public Integer call() throws Exception {
    if (stepTimeoutSeconds < 1) {
      throw new UserError("--step-timeout must be at least 1 second.", 2);
    }
    if (servers < 1 || servers > 9) {
      throw new UserError("--servers must be 1 to 9.", 2);
    }
    String source = scenario == null ? "scenarios/" + DEFAULT_SCENARIO : scenario.toString();
    Scenario script = Scenario.parse(source, readScenario(), servers);
    Path dir = runDir != null ? runDir : Path.of("runs", LocalDateTime.now().format(
        DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH-mm-ss")));
    prepare(dir);
    try (Launcher launcher = new Launcher(dir); RunWatcher watcher = new RunWatcher(dir)) {
      DemoRun run =
          new DemoRun(dir, launcher, watcher, Duration.ofSeconds(stepTimeoutSeconds),
              spec.commandLine().getOut(), servers);
      String started = run.startServers();
      spec.commandLine().getOut().println("Playing " + source
          + (started.isEmpty() ? "" : " with " + started) + "; logs in " + dir);
      run.play(script);
      run.stopServer();
      boolean delivered = run.report();
      return draw(dir) && delivered ? 0 : 1;
    }
  }

  /** Draws the run's space-time diagram and checks its logs; prints the paths and the verdict. */
  private boolean draw(Path dir) {
    var out = spec.commandLine().getOut();
    try {
      DiagramResult result = Diagrams.render(dir, dir);
      out.println();
      out.println(Diagrams.summary(result, 10));
      out.println("Space-time diagram: " + result.svg() + " (open " + result.html()
          + " in a browser to explore it)");
      out.flush();
      return result.report().consistent();
    } catch (IOException e) {
      throw new UserError("Cannot draw the diagram of " + dir + ": " + e.getMessage());
    }
  }

  private String readScenario() throws IOException {
    if (scenario == null) {
      try (InputStream in = DemoCommand.class.getResourceAsStream("/scenarios/" + DEFAULT_SCENARIO)) {
        if (in == null) {
          throw new IllegalStateException("The built-in scenario is missing from the jar");
        }
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
    }
    try {
      return Files.readString(scenario, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new UserError("Scenario file " + scenario + " does not exist.", 2);
    } catch (java.nio.charset.MalformedInputException e) {
      throw new UserError("Scenario file " + scenario + " is not UTF-8 text.", 2);
    }
  }

  private static void prepare(Path dir) {
    try {
      if (Files.isDirectory(dir)) {
        try (var entries = Files.list(dir)) {
          if (entries.findAny().isPresent()) {
            throw new UserError("Run directory " + dir + " is not empty; choose another --run-dir.", 2);
          }
        }
      }
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UserError("Cannot create run directory " + dir + ": " + e.getMessage());
    }
  }
}
