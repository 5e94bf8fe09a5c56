package dev.chitchat.cli;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Starts Chitty-Chat processes (server, participants) as separate JVMs running this same jar, each
 * with its console output in {@code <runDir>/<process>.out}. Closing the launcher ends every process
 * still running: SIGTERM first (so that they leave and log cleanly), then SIGKILL after 10 s.
 *
 * <p>Not thread-safe, except {@link #close}, which a shutdown hook may call.
 */
final class Launcher implements AutoCloseable {

  private final Path runDir;
  private final List<Process> processes = new ArrayList<>();
  private final Thread hook = new Thread(this::close, "chitchat-demo-shutdown");

  Launcher(Path runDir) {
    this.runDir = runDir;
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /**
   * Starts {@code chitchat <args>} in a new JVM.
   *
   * @param label the process's name, for its console file
   * @param withInput whether the process reads its standard input from the demo (else from nothing)
   */
  synchronized Process start(String label, boolean withInput, List<String> args) throws IOException {
    return start(label, withInput, false, args);
  }

  /**
   * Starts {@code chitchat <args>} in a new JVM.
   *
   * @param label the process's name, for its console file
   * @param withInput whether the process reads its standard input from the demo (else from nothing)
   * @param appendOutput whether to append to an existing console file (a restarted process)
   */
  synchronized Process start(String label, boolean withInput, boolean appendOutput, List<String> args)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    String classPath = ownJar();
    if (classPath.endsWith(".jar") && !classPath.contains(File.pathSeparator)) {
      // The class path must read as it did when the archives were made: -jar, the same path.
      command.addAll(JvmOptions.forCommand(args.get(0), Path.of(classPath)));
      command.add("-jar");
      command.add(classPath);
    } else { // a test: classes and dependencies, no archives
      command.addAll(JvmOptions.forCommand(args.get(0), Path.of("no.jar")));
      command.add("-cp");
      command.add(classPath);
      command.add(ChitChat.class.getName());
    }
    command.addAll(args);
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(appendOutput
                ? ProcessBuilder.Redirect.appendTo(runDir.resolve(label + ".out").toFile())
                : ProcessBuilder.Redirect.to(runDir.resolve(label + ".out").toFile()));
    if (!withInput) {
      builder.redirectInput(ProcessBuilder.Redirect.from(new File(isWindows() ? "NUL" : "/dev/null")));
    }
    Process process = builder.start();
    processes.add(process);
    return process;
  }

  /**
   * Sends a POSIX signal ({@code STOP}, {@code CONT}) to a process with {@code kill}.
   *
   * @throws UserError if {@code kill} fails (the process has ended, or no {@code kill} command)
   */
  static void signal(Process process, String signal) throws InterruptedException {
    try {
      Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
          .redirectErrorStream(true).start();
      byte[] said = kill.getInputStream().readAllBytes();
      if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new UserError("kill -" + signal + " " + process.pid() + " failed: "
            + new String(said, java.nio.charset.StandardCharsets.UTF_8).strip());
      }
    } catch (IOException e) {
      throw new UserError("Cannot run kill -" + signal + ": " + e.getMessage());
    }
  }

  @Override
  public synchronized void close() {
    for (Process process : processes) {
      if (process.isAlive()) {
        if (!isWindows()) {
          // A stopped process (SIGSTOP) handles SIGTERM only once it runs again.
          try {
            signal(process, "CONT");
          } catch (UserError e) {
            // It ended meanwhile.
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        process.destroy();
      }
    }
    for (Process process : processes) {
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // Already shutting down: this is the hook.
    }
  }

  /** This JVM's class path: the chitchat jar, or the classes and dependencies in a test. */
  private static String ownJar() {
    return System.getProperty("java.class.path");
  }

  private static boolean isWindows() {
    return System.getProperty("os.name", "").startsWith("Windows");
  }
}
