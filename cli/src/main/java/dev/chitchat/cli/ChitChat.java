package dev.chitchat.cli;

import dev.chitchat.diagrams.DiagramCommand;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code chitchat} command: {@code server}, {@code participant}, {@code demo} and {@code
 * diagram}. User errors
 * print one line and exit non-zero (2 for a bad command line, 1 otherwise); only a bug prints a
 * stack trace.
 */
@Command(
    name = "chitchat",
    mixinStandardHelpOptions = true,
    versionProvider = ChitChat.Version.class,
    description = {
      "Chitty-Chat: a chat over gRPC that shows Lamport time.",
      "Every process keeps a Lamport clock and logs every tick as JSON Lines."
    },
    subcommands = {
      ServerCommand.class,
      ParticipantCommand.class,
      DemoCommand.class,
      DiagramCommand.class,
      dev.chitchat.bench.BenchCommand.class,
      CommandLine.HelpCommand.class
    })
public final class ChitChat implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** Runs the command line and exits with its code. */
  public static void main(String[] args) {
    System.setProperty("java.util.logging.manager", "org.apache.logging.log4j.jul.LogManager");
    // Our shutdown hooks log their last clock ticks (the Leave), then stop log4j2 themselves.
    System.setProperty("log4j2.shutdownHookEnabled", "false");
    System.exit(execute(args));
  }

  /** Runs the command line and returns its exit code (for tests). */
  public static int execute(String... args) {
    return commandLine().execute(args);
  }

  static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new ChitChat());
    // chitchat bench failover: a subcommand of bench, added here so that bench's own class is
    // unchanged.
    cli.getSubcommands().get("bench").addSubcommand(new dev.chitchat.bench.FailoverCommand());
    cli.setParameterExceptionHandler(
        (ex, arguments) -> {
          PrintWriter err = ex.getCommandLine().getErr();
          err.println("chitchat: " + ex.getMessage());
          err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
          return 2;
        });
    cli.setExecutionExceptionHandler(
        (ex, commandLine, parseResult) -> {
          if (ex instanceof UserError user) {
            commandLine.getErr().println("chitchat: " + user.getMessage());
            return user.exitCode();
          }
          throw ex;
        });
    return cli;
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** The version from the jar's manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = ChitChat.class.getPackage().getImplementationVersion();
      return new String[] {"chitchat " + (version == null ? "(development build)" : version)};
    }
  }
}
