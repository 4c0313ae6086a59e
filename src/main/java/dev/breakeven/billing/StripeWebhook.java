package dev.breakeven.billing;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Receives Stripe webhooks: checks the {@code Stripe-Signature} header the way Stripe specifies,
 * then reads the body into a {@link StripeEvent}.
 *
 * <p>The header is {@code t=<unix seconds>,v1=<hex>[,v1=<hex>…]}, possibly with other schemes
 * such as {@code v0}, which are ignored. A signature is the lowercase hex of
 * HMAC-SHA256(secret, {@code "<t>.<body>"}), where {@code <t>} is the timestamp exactly as it
 * appears in the header and {@code <body>} the request body's bytes exactly as received. The
 * webhook is accepted when any {@code v1} signature matches under any configured secret (several
 * secrets allow rolling one without refusing webhooks in between), and the timestamp is within the
 * tolerance of this server's clock, in the past or in the future. Signatures are compared in
 * constant time. The signature is checked before the timestamp, so {@code signature_expired} is
 * only ever said of a genuine signature.
 *
 * <p>Instances are immutable and safe to share between threads. They hold the secrets, which no
 * method returns and no message contains.
 */
public final class StripeWebhook {
    /** Stripe's own default: five minutes either way. */
    public static final Duration DEFAULT_TOLERANCE = Duration.ofMinutes(5);

    /** Longer headers are refused unread; Stripe's are under 300 characters. */
    static final int MAX_HEADER_LENGTH = 8192;

    private static final String ALGORITHM = "HmacSHA256";
    /** Unix seconds; twelve digits reach the year 33658, and thirteen would be milliseconds. */
    private static final Pattern TIMESTAMP = Pattern.compile("[0-9]{1,12}");

    private static final HexFormat HEX = HexFormat.of();

    private final List<SecretKeySpec> keys;
    private final Duration tolerance;
    private final Clock clock;

    /**
     * Verifies with the {@linkplain #DEFAULT_TOLERANCE default tolerance}.
     *
     * @throws IllegalArgumentException if there is no secret or a secret is blank
     */
    public StripeWebhook(List<String> secrets, Clock clock) {
        this(secrets, DEFAULT_TOLERANCE, clock);
    }

    /**
     * @param secrets the endpoint's signing secrets ({@code whsec_…}), used as they are (UTF-8
     *     bytes); a webhook signed with any of them is accepted
     * @param tolerance how far the signed timestamp may be from the clock, either way
     * @throws IllegalArgumentException if there is no secret, a secret is blank, or the tolerance
     *     is not positive
     * @throws NullPointerException if {@code clock} is null
     */
    public StripeWebhook(List<String> secrets, Duration tolerance, Clock clock) {
        if (secrets == null || secrets.isEmpty()) {
            throw new IllegalArgumentException("at least one webhook signing secret is required");
        }
        List<SecretKeySpec> keys = new ArrayList<>();
        for (String secret : secrets) {
            if (secret == null || secret.isBlank()) {
                throw new IllegalArgumentException("a webhook signing secret is blank");
            }
            keys.add(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), ALGORITHM));
        }
        if (tolerance == null || tolerance.isNegative() || tolerance.isZero()) {
            throw new IllegalArgumentException("the webhook tolerance must be positive");
        }
        this.keys = List.copyOf(keys);
        this.tolerance = tolerance;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public Duration tolerance() {
        return tolerance;
    }

    /**
     * Verifies the signature, then parses the body (see {@link StripeEvent#parse(byte[])}).
     *
     * @param body the request body, byte for byte as received
     * @param signatureHeader the {@code Stripe-Signature} header's value, or null when absent
     * @throws BillingException {@code signature_*} when the webhook is not verified; {@code
     *     malformed_event} or {@code unsupported_currency} when its body cannot be read
     */
    public StripeEvent receive(byte[] body, String signatureHeader) {
        verify(body, signatureHeader);
        return StripeEvent.parse(body);
    }

    /**
     * Checks that {@code body} was signed with one of the secrets within the tolerance.
     *
     * @throws BillingException {@code signature_missing} (no header, or no {@code v1} in it),
     *     {@code signature_malformed} (unreadable header or timestamp), {@code
     *     signature_mismatch}, or {@code signature_expired}
     */
    public void verify(byte[] body, String signatureHeader) {
        if (body == null) throw new IllegalArgumentException("body is null");
        Header header = Header.parse(signatureHeader);
        if (!matchesAny(body, header)) {
            throw new BillingException(
                    "signature_mismatch",
                    "the Stripe-Signature header does not match the body for any configured webhook secret");
        }
        Instant signedAt = Instant.ofEpochSecond(header.epochSeconds());
        Instant now = clock.instant();
        if (Duration.between(signedAt, now).abs().compareTo(tolerance) > 0) {
            throw new BillingException(
                    "signature_expired",
                    "the webhook was signed at " + signedAt + ", more than " + describe(tolerance)
                            + " from this server's time " + now + ": a replay, or a clock that is off");
        }
    }

    private static String describe(Duration duration) {
        long millis = duration.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
    }

    private boolean matchesAny(byte[] body, Header header) {
        List<byte[]> offered = new ArrayList<>();
        for (String hex : header.v1()) {
            byte[] bytes = decodeHex(hex);
            if (bytes != null) offered.add(bytes);
        }
        boolean matched = false;
        for (SecretKeySpec key : keys) {
            byte[] expected = hmac(key, header.timestamp(), body);
            for (byte[] candidate : offered) {
                // no early exit: the work done does not depend on which entry matched
                matched |= MessageDigest.isEqual(expected, candidate);
            }
        }
        return matched;
    }

    private static byte[] decodeHex(String hex) {
        if (hex.length() != 64) return null;
        try {
            return HEX.parseHex(hex);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static byte[] hmac(SecretKeySpec key, String timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            mac.update(timestamp.getBytes(StandardCharsets.US_ASCII));
            mac.update((byte) '.');
            return mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JDK", e);
        }
    }

    /** The parts of a {@code Stripe-Signature} header that matter: the timestamp and the v1 signatures. */
    private record Header(String timestamp, long epochSeconds, List<String> v1) {
        static Header parse(String value) {
            if (value == null) {
                throw new BillingException("signature_missing", "the request has no Stripe-Signature header");
            }
            if (value.isBlank()) throw malformed("is empty");
            if (value.length() > MAX_HEADER_LENGTH) throw malformed("is too long");
            String timestamp = null;
            List<String> v1 = new ArrayList<>();
            String[] elements = value.split(",", -1);
            for (int i = 0; i < elements.length; i++) {
                String element = elements[i].strip();
                int eq = element.indexOf('=');
                if (eq <= 0) throw malformed("has an element (number " + (i + 1) + ") that is not key=value");
                String key = element.substring(0, eq);
                String val = element.substring(eq + 1);
                switch (key) {
                    case "t" -> {
                        if (timestamp != null) throw malformed("has more than one timestamp t");
                        timestamp = val;
                    }
                    case "v1" -> v1.add(val);
                    default -> {} // other schemes (v0, …) are not ours to check
                }
            }
            if (timestamp == null) throw malformed("has no timestamp t");
            if (!TIMESTAMP.matcher(timestamp).matches()) {
                throw malformed("has a timestamp t that is not a whole number of seconds");
            }
            if (v1.isEmpty()) {
                throw new BillingException(
                        "signature_missing", "the Stripe-Signature header holds no v1 signature (only v1 is accepted)");
            }
            return new Header(timestamp, Long.parseLong(timestamp), List.copyOf(v1));
        }

        private static BillingException malformed(String what) {
            return new BillingException("signature_malformed", "the Stripe-Signature header " + what);
        }
    }
}
