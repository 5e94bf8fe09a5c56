package dev.chitchat.diagrams;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's headless Chromium through chromedriver, both from apt: no browser or driver is downloaded
 * (the paths are given, so Selenium Manager does not run). {@link #require} skips a test when they
 * are missing, except on CI ({@code CI=true}), where that fails.
 */
final class Browser {

  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

  /** Selenium warns that it has no CDP bindings for this Chromium; WebDriver itself is all we use. */
  private static final java.util.logging.Logger SELENIUM = java.util.logging.Logger.getLogger("org.openqa.selenium");

  static {
    SELENIUM.setLevel(java.util.logging.Level.SEVERE);
  }

  private Browser() {}

  /** Whether the tests run on CI, where a missing tool is a failure. */
  static boolean onCi() {
    return "true".equalsIgnoreCase(System.getenv("CI"));
  }

  /** Skips the test (fails it on CI) unless {@code file} exists; {@code install} says how to get it. */
  static void require(Path file, String install) {
    boolean present = Files.exists(file);
    if (!present && onCi()) {
      fail("CI=true but " + file + " is missing: " + install);
    }
    assumeTrue(present, file + " missing (" + install + "): browser test skipped");
  }

  /** A headless Chromium with an empty profile in {@code profile}, 1600 x 1000 pixels. */
  static ChromeDriver start(Path profile) {
    String install = "apt-get install -y chromium chromium-driver";
    require(CHROMIUM, install);
    require(CHROMEDRIVER, install);
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        "--user-data-dir=" + profile.toAbsolutePath(), "--window-size=1600,1000");
    ChromeDriverService service =
        new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
    ChromeDriver driver = new ChromeDriver(service, options);
    driver.manage().timeouts().implicitlyWait(Duration.ZERO);
    driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(60));
    return driver;
  }
}
