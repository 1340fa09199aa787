package io.contrail.http;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A POST over a raw socket that declares a body length and sends the body as slowly as the test
 * says, one byte or one block at a time: the client the HTTP client libraries cannot imitate.
 */
record SlowClient(Socket socket, OutputStream out, AtomicInteger bytesSent) {

    static SlowClient open(RunningServer server, String path, String contentType, int declaredBodyBytes)
            throws IOException {
        Socket socket = new Socket("127.0.0.1", server.server().port());
        OutputStream out = socket.getOutputStream();
        out.write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: " + contentType
                + "\r\nContent-Length: " + declaredBodyBytes + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return new SlowClient(socket, out, new AtomicInteger());
    }

    void sendOneByte() {
        send(1);
    }

    /** Sends {@code bytes} more bytes of the body (an opening brace each, whatever the format). */
    void send(int bytes) {
        try {
            byte[] block = new byte[bytes];
            Arrays.fill(block, (byte) '{');
            out.write(block);
            out.flush();
            bytesSent.addAndGet(bytes);
        } catch (IOException e) {
            // The server answered and closed; the response tells the test what happened.
        }
    }

    /** The whole response (status line, headers, body) up to the server closing the connection. */
    String response(Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
}
