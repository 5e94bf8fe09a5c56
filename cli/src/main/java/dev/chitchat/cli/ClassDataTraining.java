package dev.chitchat.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Makes the AppCDS archives of the server and the participant (the JDK's class data sharing, JEP
 * 350 dynamic archives), run by the build after the jar is made: starts a server and one scripted
 * participant from the jar, each with {@code -XX:ArchiveClassesAtExit}, lets the participant join,
 * publish and leave, then stops the server with SIGTERM, so each JVM writes the classes it loaded
 * into {@code chitchat-server.jsa} and {@code chitchat-participant.jsa} beside the jar.
 *
 * <p>The archives only speed up start-up: if anything fails, this says so in one line and exits 0,
 * and the processes start without them. Usage: {@code ClassDataTraining JAR WORK_DIR}.
 */
final class ClassDataTraining {

  private static final long TIMEOUT_SECONDS = 60;

  private ClassDataTraining() {}

  /** Entry point of the build step. */
  public static void main(String[] args) throws Exception {
    Path jar = Path.of(args[0]).toAbsolutePath();
    Path work = Path.of(args[1]).toAbsolutePath();
    try {
      train(jar, work);
      System.out.println("chitchat: class data archives written beside " + jar.getFileName());
    } catch (IOException | IllegalStateException e) {
      System.out.println("chitchat: no class data archives (" + e.getMessage() + "); start-up is slower");
    }
  }

  private static void train(Path jar, Path work) throws IOException, InterruptedException {
    if (Files.exists(work)) { // a scripted run needs fresh logs
      com.google.common.io.MoreFiles.deleteRecursively(
          work, com.google.common.io.RecursiveDeleteOption.ALLOW_INSECURE);
    }
    Path logs = work.resolve("logs");
    Files.createDirectories(logs);
    for (JvmOptions.Role role : JvmOptions.Role.values()) {
      Files.deleteIfExists(JvmOptions.archive(jar, role));
    }
    Process server = start(jar, JvmOptions.Role.SERVER, work,
        List.of("server", "--port", "0", "--log-dir", logs.toString(), "--quiet"));
    try {
      String port = awaitPort(server, work.resolve("server.out"));
      Path script = work.resolve("training.scenario");
      Files.writeString(script, "Alex joins\nAlex: hello\nAlex leaves\n", StandardCharsets.UTF_8);
      Process participant = start(jar, JvmOptions.Role.PARTICIPANT, work,
          List.of("participant", "--name", "Alex", "--port", "0", "--server", "localhost:" + port,
              "--log-dir", logs.toString(), "--script", script.toString()));
      if (!participant.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS) || participant.exitValue() != 0) {
        participant.destroyForcibly();
        throw new IllegalStateException("the training participant did not finish; see "
            + work.resolve("participant.out"));
      }
    } finally {
      server.destroy(); // SIGTERM: the server stops cleanly, and its JVM writes the archive
      if (!server.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        server.destroyForcibly();
      }
    }
  }

  private static Process start(Path jar, JvmOptions.Role role, Path work, List<String> args)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-XX:ArchiveClassesAtExit=" + JvmOptions.archive(jar, role));
    command.addAll(JvmOptions.forCommand(role.command(), jar));
    command.add("-jar");
    command.add(jar.toString());
    command.addAll(args);
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(work.resolve(role.command() + ".out").toFile())
        .start();
  }

  private static String awaitPort(Process server, Path output) throws IOException, InterruptedException {
    java.util.regex.Pattern listening = java.util.regex.Pattern.compile("listening on port (\\d+)");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
    while (System.nanoTime() < deadline && server.isAlive()) {
      java.util.regex.Matcher m = listening.matcher(Files.readString(output, StandardCharsets.UTF_8));
      if (m.find()) {
        return m.group(1);
      }
      // A build step polling a child's output file: there is nothing to be notified by.
      server.waitFor(50, TimeUnit.MILLISECONDS);
    }
    throw new IllegalStateException("the training server did not start");
  }
}
