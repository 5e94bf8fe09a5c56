package dev.chitchat.diagrams;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Generated runs for the layout's tests: a seeded random sequence of joins, publishes, refused
 * publishes, leaves, rejoins (as {@code NAME-2}) and crashes, written by {@link RunBuilder}.
 */
final class RandomRuns {

  private RandomRuns() {}

  /** A run of about {@code steps} steps among up to six participants, the same for the same seed. */
  static RunBuilder of(long seed, int steps) {
    Random random = new Random(seed);
    RunBuilder b = new RunBuilder();
    List<String> members = new ArrayList<>();
    List<String> gone = new ArrayList<>();
    List<String> names = new ArrayList<>(List.of("Alex", "Aske", "Bob", "Carol", "Dana", "Emil"));
    for (int step = 0; step < steps; step++) {
      int choice = random.nextInt(10);
      if (members.isEmpty() || (choice == 0 && !names.isEmpty())) {
        if (names.isEmpty()) {
          break;
        }
        String who = names.remove(0);
        b.join(who);
        members.add(who);
      } else if (choice == 1 && members.size() > 1) {
        String who = members.remove(random.nextInt(members.size()));
        b.leave(who);
        gone.add(who);
      } else if (choice == 2 && !gone.isEmpty() && !gone.get(0).endsWith("-2")) {
        String again = gone.remove(0) + "-2";
        b.join(again);
        members.add(again);
      } else if (choice == 3 && members.size() > 2 && random.nextInt(4) == 0) {
        String who = members.remove(random.nextInt(members.size()));
        b.crash(who);
        // The next broadcast finds it gone and removes it.
        b.publish(members.get(0), "who is still here?");
      } else if (choice == 4) {
        b.refusedPublish(members.get(random.nextInt(members.size())), "y".repeat(130 + random.nextInt(60)));
      } else {
        String who = members.get(random.nextInt(members.size()));
        b.publish(who, "message " + step + " from " + who + " " + "abc ".repeat(random.nextInt(12)));
      }
    }
    return b;
  }
}
