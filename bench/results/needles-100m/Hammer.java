import java.net.http.*; import java.net.URI;
/** Times N requests of one SQL statement to POST /api/sql on 127.0.0.1:18080: java Hammer.java "SQL" N */
public class Hammer { public static void main(String[] a) throws Exception {
  HttpClient c = HttpClient.newHttpClient(); int n = Integer.parseInt(a[1]); long[] t = new long[n];
  String body = "{\"sql\":" + com_quote(a[0]) + "}";
  for (int i = 0; i < n; i++) { long t0 = System.nanoTime();
    HttpResponse<String> r = c.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:18080/api/sql")).header("Content-Type","application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    t[i] = System.nanoTime() - t0; if (r.statusCode() != 200) throw new RuntimeException(r.body()); }
  java.util.Arrays.sort(t); System.out.printf("median %.2f ms p10 %.2f p90 %.2f%n", t[n/2]/1e6, t[n/10]/1e6, t[n*9/10]/1e6);
}
static String com_quote(String s) { return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\""; } }
