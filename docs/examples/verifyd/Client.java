// Calling mynakey-verifyd from Java 17 (standard library only; run as `java Client.java …`).
//   java Client.java challenge SESSION            -> prints the challenge for the page
//   java Client.java login SESSION ORIGIN < token -> prints the verdict, exit 0 if valid
// The JDK has no JSON parser: a real service would use its own (Jackson, Gson); here the
// request is built with a minimal string escaper and the reply is only searched.
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

public class Client {
    static final String BASE = System.getenv().getOrDefault("VERIFYD_URL", "http://127.0.0.1:8080");
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    static String quote(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') out.append('\\').append(c);
            else if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
            else out.append(c);
        }
        return out.append('"').toString();
    }

    static String call(String path, String json) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(BASE + path))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json))
                .build();
        HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException(path + ": HTTP " + response.statusCode() + " " + response.body());
        }
        return response.body();
    }

    public static void main(String[] args) throws Exception {
        if (args[0].equals("challenge")) {
            String reply = call("/v1/challenges", "{\"session\":" + quote(args[1]) + "}");
            // {"challenge":"…","expiresAt":"…"}: the challenge is standard base64, no escapes.
            int start = reply.indexOf("\"challenge\":\"") + 13;
            System.out.println(reply.substring(start, reply.indexOf('"', start)));
        } else if (args[0].equals("login")) {
            // The body the page posted: the token object as JSON, embedded as it is. With a JSON
            // library, parse it and set it as "token"; embedding the text unparsed is safe only
            // because the service refuses repeated and unknown fields and trailing text (400).
            String token = new String(System.in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
            String reply = call("/v1/login", "{\"token\":" + token + ",\"origin\":"
                    + quote(args[2]) + ",\"session\":" + quote(args[1]) + "}");
            System.out.println(reply);
            // Top-level "valid": inside strings a quote is escaped, so this cannot match there.
            System.exit(reply.matches(".*[{,]\"valid\":true[,}].*") ? 0 : 1);
        }
    }
}
