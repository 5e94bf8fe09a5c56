package dev.chitchat.participant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.chitchat.clock.LamportClock;
import dev.chitchat.proto.ChatServerGrpc;
import dev.chitchat.proto.JoinRequest;
import dev.chitchat.proto.JoinResponse;
import dev.chitchat.proto.LeaveRequest;
import dev.chitchat.proto.LeaveResponse;
import dev.chitchat.proto.PublishRequest;
import dev.chitchat.proto.PublishResponse;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.jline.terminal.Size;
import org.jline.terminal.impl.ExternalTerminal;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A person at a fresh terminal who types fast or pastes several lines, while each message comes
 * back as a delivery before its Publish is answered (as on a loaded server): the lines are
 * published in order, and no delivery is printed into what the person typed. The terminal is
 * JLine's {@link ExternalTerminal}, which, like a real one, echoes input itself whenever it is not
 * in raw mode.
 */
class TerminalConsoleTest {

  /** How long the scripted server takes to answer a Publish. */
  private static final long ANSWER_MILLIS = 40;
  /** Escape sequences (cursor moves, erasing, keypad modes), which JLine writes around its prompt. */
  private static final String ESCAPES = "\u001B(\\[[0-9;?]*[A-Za-z]|[=>])";

  private final List<String> published = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
  private final ByteArrayOutputStream shown = new ByteArrayOutputStream();
  private PipedOutputStream keyboard;
  private TerminalConsole console;
  private Server server;
  private ParticipantNode node;

  @BeforeEach
  void start() throws Exception {
    keyboard = new PipedOutputStream();
    ExternalTerminal terminal = new ExternalTerminal("test", "xterm",
        new PipedInputStream(keyboard, 64 * 1024), shown, StandardCharsets.UTF_8);
    terminal.setSize(new Size(100, 40));
    console = new TerminalConsole(terminal, "Alex> ");
    AtomicInteger clock = new AtomicInteger(100);
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).directExecutor()
        .addService(new ChatServerGrpc.ChatServerImplBase() {
          @Override
          public void join(JoinRequest request, StreamObserver<JoinResponse> responses) {
            TestChats.joined(responses);
          }

          @Override
          public void publish(PublishRequest request, StreamObserver<PublishResponse> responses) {
            published.add(request.getText());
            scheduler.schedule(() -> {
              // The delivery of the message reaches the screen before the answer, as it may.
              console.show("[L=" + clock.incrementAndGet() + "] Alex: " + request.getText()
                  + " (sent at L=" + clock.get() + ")");
              responses.onNext(PublishResponse.getDefaultInstance());
              responses.onCompleted();
            }, ANSWER_MILLIS, TimeUnit.MILLISECONDS);
          }

          @Override
          public void leave(LeaveRequest request, StreamObserver<LeaveResponse> responses) {
            responses.onNext(LeaveResponse.getDefaultInstance());
            responses.onCompleted();
          }
        }).build().start();
    node = new ParticipantNode(
        ParticipantSettings.builder("Alex").declaredPort(1).drainTimeout(Duration.ofMillis(1)).build(),
        new LamportClock("Alex", e -> {}), InProcessChannelBuilder.forName(name),
        InProcessServerBuilder.forName(name + "-alex"), console);
    node.start();
    node.join();
  }

  @AfterEach
  void stop() throws Exception {
    scheduler.shutdownNow();
    node.stop();
    server.shutdownNow();
    console.close();
  }

  private static final List<String> BURST =
      IntStream.rangeClosed(1, 8).mapToObj(i -> "burst " + i).toList();

  /** Runs the chat loop until the person types /quit, which {@code type} must end with. */
  private void chat(Runnable type) throws Exception {
    Thread loop = new Thread(() -> {
      try {
        new ChatLoop(node, console, console).run();
      } catch (IOException | InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    loop.start();
    type.run();
    await().atMost(Duration.ofSeconds(20)).until(() -> !loop.isAlive());
  }

  private void press(String keys) {
    try {
      keyboard.write(keys.getBytes(StandardCharsets.UTF_8));
      keyboard.flush();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** What the person saw, without JLine's cursor movements. */
  private String screen() {
    synchronized (shown) {
      return shown.toString(StandardCharsets.UTF_8).replaceAll(ESCAPES, "");
    }
  }

  /**
   * Every line the person sees is either the prompt with what they typed, or a line printed above
   * it. A terminal that echoed keys outside JLine shows lines such as {@code burst 3} on their own
   * or {@code bur[L=105] Alex: burst 5 (sent at L=105)}.
   */
  private void assertNothingGarbled() {
    assertThat(published).containsExactlyElementsOf(BURST);
    String screen = screen();
    for (String line : BURST) {
      assertThat(screen).contains("[L=", "] Alex: " + line + " (sent at L=");
    }
    assertThat(screen.split("[\r\n]+")).filteredOn(line -> !line.isBlank())
        .allSatisfy(line -> assertThat(line).matches("(Alex> |\\[L=\\d+] ).*"));
  }

  @Test
  void eightPastedLinesArePublishedInOrderAndNothingIsPrintedIntoThem() throws Exception {
    chat(() -> {
      await().until(() -> screen().contains("Alex> "));
      press(String.join("\r", BURST) + "\r");
      await().atMost(Duration.ofSeconds(10)).until(() -> published.size() == BURST.size());
      press("/quit\r");
    });

    assertNothingGarbled();
  }

  @Test
  void typingFastWhileMessagesArriveGarblesNothing() throws Exception {
    String keys = String.join("\r", BURST) + "\r";
    AtomicInteger next = new AtomicInteger();
    chat(() -> {
      await().until(() -> screen().contains("Alex> "));
      // One key every 5 ms, as a fast typist: each message is answered while the next is typed.
      scheduler.scheduleAtFixedRate(() -> {
        int i = next.getAndIncrement();
        if (i < keys.length()) {
          press(keys.substring(i, i + 1));
        }
      }, 0, 5, TimeUnit.MILLISECONDS);
      await().atMost(Duration.ofSeconds(10)).until(() -> published.size() == BURST.size());
      press("/quit\r");
    });

    assertNothingGarbled();
  }
}
