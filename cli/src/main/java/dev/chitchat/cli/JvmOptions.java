package dev.chitchat.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The JVM options of a Chitty-Chat process, chosen in one place for the demo's {@link Launcher} (the
 * {@code chitchat} script applies the same rules): the server gets the optimising compiler (C2),
 * since it may run for days; short-lived participants and tools stop at C1, which starts faster.
 * Both use the serial collector (small heaps, two cores) and, when the build made one, the
 * AppCDS archive of their role ({@link ClassDataTraining}), which maps the classes they load at
 * start-up instead of loading them from the jar. Stateless.
 */
final class JvmOptions {

  /** The process roles that have an archive of their own. */
  enum Role {
    SERVER("server"),
    PARTICIPANT("participant");

    private final String command;

    Role(String command) {
      this.command = command;
    }

    /** The {@code chitchat} command of this role. */
    String command() {
      return command;
    }
  }

  private JvmOptions() {}

  /**
   * The options for a process running {@code command} from {@code jar}.
   *
   * @param command the first argument to {@code chitchat}, e.g. {@code server}
   * @param jar the chitchat jar: its archives lie beside it
   */
  static List<String> forCommand(String command, Path jar) {
    List<String> options = new ArrayList<>();
    if (!Role.SERVER.command().equals(command)) {
      options.add("-XX:TieredStopAtLevel=1");
    }
    options.add("-XX:+UseSerialGC");
    options.add("-Djava.util.logging.manager=org.apache.logging.log4j.jul.LogManager");
    for (Role role : Role.values()) {
      Path archive = archive(jar, role);
      if (role.command().equals(command) && Files.isRegularFile(archive)) {
        // A stale archive (the checkout moved, another JDK) is not used, and need not be told.
        options.add("-XX:SharedArchiveFile=" + archive);
        options.add("-Xlog:cds=off,cds+dynamic=off");
      }
    }
    return options;
  }

  /** Where the archive of {@code role} for {@code jar} lies: {@code chitchat-server.jsa} beside it. */
  static Path archive(Path jar, Role role) {
    String name = jar.getFileName().toString().replaceFirst("\\.jar$", "");
    return jar.resolveSibling(name + "-" + role.command() + ".jsa");
  }
}
