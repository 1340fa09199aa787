package io.contrail.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * The web UI of a server started with {@code --auth}, in a real headless Chromium: the page loads without a
 * token, asks for one, then shows the data; a token the server refuses makes it ask again.
 */
class WebUiTokenBrowserTest {

    private static final String INGEST = "ui-ingest-5Hd1";
    private static final String QUERY = "ui-query-8Kq3";
    private static final Path AUTH_FILE = authFile();

    @RegisterExtension
    static final RunningServer server = RunningServer.configured(config -> config.withAuthFile(AUTH_FILE));

    private static HeadlessChromium browser;

    @BeforeAll
    static void loadTracesWithTheIngestTokenAndStartTheBrowser() throws Exception {
        new DemoLoader(URI.create(server.baseUrl()), new PrintStream(OutputStream.nullOutputStream()), INGEST, null).load(30);
        server.flush();
        browser = HeadlessChromium.start();
    }

    @AfterAll
    static void stopTheBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    @Test
    void theUiAsksForATokenOnceThenShowsTracesAndAsksAgainWhenItIsRefused() throws IOException {
        browser.open(server.baseUrl() + "/#/search");
        browser.await("the token form", ExpectedConditions.visibilityOfElementLocated(By.id("token-form")));
        assertThat(browser.find("#token-message").getText()).contains("needs a token");
        assertThat(browser.findAll("tr.trace-result")).as("no data before a token").isEmpty();
        browser.screenshot("auth-01-token-form");

        browser.find("#token-input").sendKeys(QUERY);
        browser.find("#token-button").click();
        browser.await("search results", ExpectedConditions.presenceOfElementLocated(By.cssSelector("tr.trace-result")));
        assertThat(browser.findAll("#token-form")).as("the form is gone").isEmpty();
        assertThat(browser.script("return sessionStorage.getItem('contrail.token')")).isEqualTo(QUERY);
        browser.consoleErrors();

        // Another screen: no question asked, the kept token is sent.
        browser.find(".topbar a[data-screen='sql']").click();
        browser.await("the SQL examples", ExpectedConditions.presenceOfElementLocated(By.cssSelector("button.example")));
        assertThat(browser.findAll("#token-form")).isEmpty();
        assertThat(browser.consoleErrors()).isEmpty();

        // An ingest token may not read: refused with 403, the UI says why and asks again.
        browser.script("sessionStorage.setItem('contrail.token', '" + INGEST + "')");
        browser.find(".topbar a[data-screen='search']").click();
        browser.await("the token form again", ExpectedConditions.visibilityOfElementLocated(By.id("token-form")));
        assertThat(browser.find("#token-message").getText()).contains("refused").contains("scope query");
        browser.find("#token-input").sendKeys(QUERY);
        browser.find("#token-button").click();
        browser.await("search results again", ExpectedConditions.presenceOfElementLocated(By.cssSelector("tr.trace-result")));
    }

    private static Path authFile() {
        try {
            Path file = Files.createTempFile("contrail-ui-auth", ".yaml");
            file.toFile().deleteOnExit();
            Files.writeString(file, "tokens:\n  - token: " + INGEST + "\n    scopes: [ingest]\n"
                    + "  - token_sha256: " + AuthTest.sha256Hex(QUERY) + "\n    scopes: [query]\n");
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
