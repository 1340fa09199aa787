package io.contrail.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedCondition;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The machine's headless Chromium ({@code /usr/bin/chromium}, Debian's {@code chromium} package)
 * driven through its own chromedriver ({@code chromium-driver}), with a fresh profile. The driver
 * is named explicitly so Selenium never tries to download one. Screenshots go to
 * {@code target/ui-screenshots/}.
 */
final class HeadlessChromium implements AutoCloseable {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final Path SCREENSHOTS = Path.of("target", "ui-screenshots");
    private static final Duration WAIT = Duration.ofSeconds(30);
    /**
     * Selenium warns when it has no DevTools bindings for this Chromium's version; the tests use
     * WebDriver only, never DevTools. Held here so the level is not lost with a collected logger.
     */
    private static final Logger CDP_VERSION_FINDER = Logger.getLogger("org.openqa.selenium.devtools.CdpVersionFinder");

    static {
        CDP_VERSION_FINDER.setLevel(Level.SEVERE);
    }

    private final Path profile;
    private final ChromeDriver driver;

    private HeadlessChromium(Path profile, ChromeDriver driver) {
        this.profile = profile;
        this.driver = driver;
    }

    static HeadlessChromium start() throws IOException {
        assertThat(CHROMIUM).as("the browser tests need Debian's chromium and chromium-driver packages "
                + "(apt-get install chromium chromium-driver; .ci/run installs them)").isExecutable();
        assertThat(CHROMEDRIVER).as("chromedriver from Debian's chromium-driver package").isExecutable();
        Path profile = Files.createTempDirectory("contrail-chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile, "--window-size=1440,1000");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        try {
            return new HeadlessChromium(profile, new ChromeDriver(service, options));
        } catch (RuntimeException e) {
            deleteTree(profile);
            throw e;
        }
    }

    void open(String url) {
        driver.get(url);
    }

    /** Waits until the condition holds (or fails after 30 s) and returns what it returned. */
    <T> T await(String what, ExpectedCondition<T> condition) {
        return new WebDriverWait(driver, WAIT).withMessage(what).until(condition);
    }

    WebElement find(String css) {
        return driver.findElement(By.cssSelector(css));
    }

    List<WebElement> findAll(String css) {
        return driver.findElements(By.cssSelector(css));
    }

    /** Runs JavaScript in the page ({@code arguments[i]} are the arguments) and returns its result (numbers come back as Long or Double). */
    Object script(String javaScript, Object... arguments) {
        return driver.executeScript(javaScript, arguments);
    }

    /** Moves the mouse to a point of the viewport, as a user's pointer would. */
    void moveTo(int x, int y) {
        new Actions(driver).moveToLocation(x, y).perform();
    }

    /** Drags with the left button held from one point of the viewport to another, as a user selects a range. */
    void drag(int fromX, int fromY, int toX, int toY) {
        new Actions(driver).moveToLocation(fromX, fromY).clickAndHold().moveToLocation((fromX + toX) / 2, toY)
                .moveToLocation(toX, toY).release().perform();
    }

    /** Types keys where the focus is (the page's own shortcuts when nothing is focused). */
    void type(CharSequence... keys) {
        new Actions(driver).sendKeys(keys).perform();
    }

    /** The ID of the element that has the focus ("" for none). */
    String focusedId() {
        return String.valueOf(script("return document.activeElement ? document.activeElement.id : ''"));
    }

    /** Resizes the window (the viewport follows); {@link #start()} opens it at 1440 × 1000. */
    void windowSize(int width, int height) {
        driver.manage().window().setSize(new org.openqa.selenium.Dimension(width, height));
    }

    /** The browser's back button. */
    void back() {
        driver.navigate().back();
    }

    /** Loads the page again from its address, as a link opened in a new tab would. */
    void reload() {
        driver.navigate().refresh();
    }

    /** Clicks where the mouse is. */
    void click() {
        new Actions(driver).click().perform();
    }

    String currentUrl() {
        return driver.getCurrentUrl();
    }

    /** Console messages at SEVERE level (uncaught errors, failed loads) since the last call. */
    List<String> consoleErrors() {
        return driver.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(entry -> entry.getLevel().intValue() >= Level.SEVERE.intValue())
                .map(LogEntry::getMessage).toList();
    }

    /** Saves a PNG of the window as target/ui-screenshots/{name}.png. */
    Path screenshot(String name) throws IOException {
        Files.createDirectories(SCREENSHOTS);
        Path file = SCREENSHOTS.resolve(name + ".png");
        Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
        return file;
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            deleteTree(profile);
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
