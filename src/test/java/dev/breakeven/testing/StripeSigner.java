package dev.breakeven.testing;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs webhook bodies the way Stripe does, so tests can send real signed webhooks: the header
 * {@code t=<seconds>,v1=<hex of HMAC-SHA256(secret, "<seconds>.<body>")>}.
 */
public final class StripeSigner {
    private StripeSigner() {}

    /** The {@code Stripe-Signature} header value for {@code body} signed at {@code epochSeconds}. */
    public static String sign(String secret, String body, long epochSeconds) {
        return sign(secret, body.getBytes(StandardCharsets.UTF_8), epochSeconds);
    }

    /** The {@code Stripe-Signature} header value for {@code body} signed at {@code epochSeconds}. */
    public static String sign(String secret, byte[] body, long epochSeconds) {
        return "t=" + epochSeconds + ",v1=" + signature(secret, body, epochSeconds);
    }

    /** The bare {@code v1} signature, for building headers with several entries. */
    public static String signature(String secret, byte[] body, long epochSeconds) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((epochSeconds + ".").getBytes(StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@link #signature(String, byte[], long)} of a UTF-8 body. */
    public static String signature(String secret, String body, long epochSeconds) {
        return signature(secret, body.getBytes(StandardCharsets.UTF_8), epochSeconds);
    }
}
