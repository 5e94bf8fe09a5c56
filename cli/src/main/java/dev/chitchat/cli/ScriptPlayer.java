package dev.chitchat.cli;

import dev.chitchat.logging.LoggedEvent;
import dev.chitchat.participant.ParticipantNode;
import dev.chitchat.participant.Screen;
import dev.chitchat.participant.StatusText;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A scripted participant: plays one participant's steps of a scenario (its join, its messages, its
 * leave) when the scenario comes to them, in a run whose other processes may be on other machines
 * or in other containers. The only coordination is the run's shared log directory: before each of
 * its steps it waits, through {@link RunProgress} exactly as the demo does, until every earlier step
 * of the scenario has taken effect (the step's response is in its participant's log, and every
 * participant present after it has delivered the event the server made of it). It never sleeps for
 * a fixed time.
 *
 * <p>One process plays one membership, so a participant that joins twice in the scenario cannot be
 * scripted. Not thread-safe: the participant's main thread.
 */
final class ScriptPlayer {

  private final String name;
  private final String source;
  private final ScenarioPlan plan;
  private final Path logDir;
  private final Duration timeout;
  private final List<Integer> mine;

  /** @throws UserError (exit 2) if {@code name} has no steps, or joins more than once */
  ScriptPlayer(String name, String source, ScenarioPlan plan, Path logDir, Duration timeout) {
    this.name = name;
    this.source = source;
    this.plan = plan;
    this.logDir = logDir;
    this.timeout = timeout;
    this.mine = plan.stepsOf(name);
    if (mine.isEmpty()) {
      throw new UserError(source + ": " + name + " has no steps in this scenario.", 2);
    }
    List<Integer> joins = mine.stream()
        .filter(i -> plan.steps().get(i).step().action() == Scenario.Action.JOIN).toList();
    if (joins.size() > 1) {
      throw new UserError(source + ":" + plan.steps().get(joins.get(1)).step().line() + ": " + name
          + " joins a second time; a scripted participant plays one membership.", 2);
    }
  }

  /**
   * Plays this participant's steps; returns once it has left. {@code finish} (leave if still joined,
   * stop, close the logs) runs once: at the end, after an error, or from a shutdown hook (SIGTERM).
   *
   * @return the exit code, 0
   * @throws UserError when an earlier step does not take effect within the step timeout, or the
   *     server cannot be reached or refuses the join
   */
  int play(ParticipantNode node, Screen screen, Runnable finish)
      throws IOException, InterruptedException {
    AtomicBoolean finished = new AtomicBoolean();
    Runnable once = () -> {
      if (finished.compareAndSet(false, true)) {
        finish.run();
      }
    };
    Runtime.getRuntime().addShutdownHook(new Thread(once, "chitchat-script-shutdown"));
    screen.show(name + " plays " + mine.size() + " of the " + plan.steps().size() + " steps of "
        + source + "; waiting for the earlier steps in " + logDir);
    try (RunWatcher watcher = new RunWatcher(logDir)) {
      // The server processes: every log that no participant of the scenario writes (server, or
      // the replicas s1, s2, ... of a cluster).
      java.util.Set<String> participants = new java.util.HashSet<>();
      plan.steps().forEach(p -> participants.add(p.process()));
      RunProgress progress = new RunProgress(watcher, timeout, () -> watcher.processes().stream()
          .filter(p -> !participants.contains(p)).toList());
      int confirmed = 0;
      for (int index : mine) {
        while (confirmed < index) {
          awaitEffect(progress, plan.steps().get(confirmed++));
        }
        ScenarioPlan.Planned step = plan.steps().get(index);
        if (playOwn(step, node, screen)) {
          break;
        }
      }
    } finally {
      once.run();
    }
    return 0;
  }

  /** Plays one of this participant's steps; returns whether it was the leave. */
  private boolean playOwn(ScenarioPlan.Planned planned, ParticipantNode node, Screen screen)
      throws InterruptedException {
    Scenario.Step step = planned.step();
    switch (step.action()) {
      case JOIN -> {
        awaitServer(node);
        try {
          node.join();
        } catch (StatusRuntimeException e) {
          throw new UserError(name + " could not join (" + planned.where() + "): "
              + StatusText.describe(e.getStatus()));
        }
        screen.show("Joined Chitty-Chat as " + name + " (" + source + ", " + planned.where() + ").");
        return false;
      }
      case PUBLISH -> {
        ParticipantNode.PublishResult result = node.publish(step.text());
        if (!result.sent()) {
          screen.show("[L=" + node.clock().time() + "] Not sent: "
              + StatusText.describe(result.refusal()) + " (" + planned.where() + ")");
        }
        return false;
      }
      case LEAVE -> {
        try {
          var left = node.leave();
          if (left != null) {
            screen.show("[L=" + node.clock().time() + "] You left Chitty-Chat (event #"
                + left.getSequence() + " at Lamport time " + left.getLamportTime() + ").");
          }
        } catch (StatusRuntimeException e) {
          throw new UserError(name + " could not leave (" + planned.where() + "): "
              + StatusText.describe(e.getStatus()));
        }
        return true;
      }
    }
    throw new AssertionError(step.action());
  }

  /** Waits until an earlier step has taken effect, as the demo does after playing it. */
  private static void awaitEffect(RunProgress progress, ScenarioPlan.Planned step)
      throws InterruptedException {
    String where = step.where() + ": " + step.step();
    LoggedEvent response = progress.awaitResponse(step.process(), step.rpc(), step.count(), where, () -> null);
    if (!"OK".equals(response.status())) {
      if (step.step().action() == Scenario.Action.PUBLISH) {
        return; // a refused message: nothing to deliver, the play goes on
      }
      throw new UserError(step.process() + "'s " + step.rpc() + " failed (" + step.where() + "): "
          + response.status() + " " + response.text());
    }
    long seq = progress.awaitCreated(response, where);
    for (String process : step.presentAfter()) {
      progress.awaitDelivered(process, seq, where, () -> null);
    }
  }

  /**
   * Waits, without a fixed sleep, until the channel to the server is ready: the server may still be
   * starting when the participants' containers start. gRPC reconnects with its own backoff.
   */
  private void awaitServer(ParticipantNode node) throws InterruptedException {
    if (!node.awaitServer(timeout)) {
      throw new UserError("Timed out after " + timeout.toSeconds()
          + " s waiting for the chat server to accept connections.");
    }
  }
}
