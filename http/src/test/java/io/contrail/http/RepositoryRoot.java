package io.contrail.http;

import java.nio.file.Files;
import java.nio.file.Path;

/** The checkout the tests run in: the folder holding the parent pom and the launcher, above this module. */
final class RepositoryRoot {

    private RepositoryRoot() {
    }

    static Path find() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("contrail")) && Files.isRegularFile(dir.resolve("pom.xml"))) {
                return dir;
            }
        }
        throw new AssertionError("no repository root (a folder with ./contrail and pom.xml) above "
                + Path.of("").toAbsolutePath());
    }
}
