package io.contrail.columnar;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** The fsync and rename steps that make a file's content and its name survive a crash. */
final class Durability {

    private Durability() {
    }

    static void fsyncFile(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
    }

    /** Makes a directory's entries (created, renamed, deleted files) durable. */
    static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    /** fsyncs {@code temp}, renames it atomically to {@code target}, and fsyncs the folder. */
    static void publish(Path temp, Path target) throws IOException {
        fsyncFile(temp);
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        fsyncDirectory(target.getParent());
    }
}
