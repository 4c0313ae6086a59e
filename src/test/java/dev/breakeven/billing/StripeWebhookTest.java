package dev.breakeven.billing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.breakeven.testing.StripeSigner;
import dev.breakeven.testing.TestClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** How {@link StripeWebhook} decides whether a webhook really comes from Stripe, and recently. */
class StripeWebhookTest {
    static final String SECRET = "whsec_test_secret";
    static final String OLD_SECRET = "whsec_old_secret";
    static final long NOW = 1_700_000_000L;
    static final String BODY =
            "{\"id\":\"evt_1\",\"type\":\"customer.created\",\"created\":1699999990,\"livemode\":false}";
    static final byte[] BYTES = BODY.getBytes(StandardCharsets.UTF_8);

    final TestClock clock = new TestClock(Instant.ofEpochSecond(NOW));
    final StripeWebhook webhook = new StripeWebhook(List.of(SECRET), clock);

    @Test
    void bodySignedWithTheSecret_justNow_isAccepted_andRead() {
        StripeEvent event = webhook.receive(BYTES, StripeSigner.sign(SECRET, BODY, NOW));

        assertThat(event).isEqualTo(new StripeEvent.Other("evt_1", "customer.created", 1_699_999_990_000L, false));
    }

    @Test
    void knownAnswer_computedIndependently_isAccepted() throws Exception {
        // computed with `printf '%s' '1700000000.{"id":"evt_test","object":"event"}'
        //   | openssl dgst -sha256 -hmac 'whsec_test_secret'`
        String body = "{\"id\":\"evt_test\",\"object\":\"event\"}";
        String expected = "8042376f6ca064adbe037642a718227dfd59047137eb49497a54c49eb0cfb724";
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        String javaxAnswer =
                HexFormat.of().formatHex(mac.doFinal(("1700000000." + body).getBytes(StandardCharsets.UTF_8)));
        assertThat(javaxAnswer).isEqualTo(expected);
        assertThat(StripeSigner.sign(SECRET, body, NOW)).isEqualTo("t=1700000000,v1=" + expected);

        webhook.verify(body.getBytes(StandardCharsets.UTF_8), "t=1700000000,v1=" + expected);
    }

    @Test
    void signatureIsOverTheRawBytes_asReceived() {
        byte[] latin1 = "{\"name\":\"Zoë\"}".getBytes(StandardCharsets.ISO_8859_1); // not even UTF-8
        String header = "t=" + NOW + ",v1=" + StripeSigner.signature(SECRET, latin1, NOW);

        webhook.verify(latin1, header);
        assertCode(() -> webhook.verify("{\"name\":\"Zoë\"}".getBytes(StandardCharsets.UTF_8), header))
                .isEqualTo("signature_mismatch");
    }

    @Test
    void tamperedBody_isRefused() {
        String header = StripeSigner.sign(SECRET, BODY, NOW);

        assertCode(() -> webhook.verify(BODY.replace("false", "true ").getBytes(StandardCharsets.UTF_8), header))
                .isEqualTo("signature_mismatch");
        assertCode(() -> webhook.verify((BODY + "\n").getBytes(StandardCharsets.UTF_8), header))
                .isEqualTo("signature_mismatch");
    }

    @Test
    void bodySignedWithAnotherSecret_isRefused() {
        assertCode(() -> webhook.verify(BYTES, StripeSigner.sign("whsec_someone_else", BODY, NOW)))
                .isEqualTo("signature_mismatch");
    }

    @Test
    void timestampIsSigned_soMovingItBreaksTheSignature() {
        String signature = StripeSigner.signature(SECRET, BODY, NOW - 1000);

        assertCode(() -> webhook.verify(BYTES, "t=" + NOW + ",v1=" + signature)).isEqualTo("signature_mismatch");
    }

    @Test
    void duringRotation_eitherSecretIsAccepted_andNoOther() {
        StripeWebhook rotating = new StripeWebhook(List.of(SECRET, OLD_SECRET), clock);

        rotating.verify(BYTES, StripeSigner.sign(SECRET, BODY, NOW));
        rotating.verify(BYTES, StripeSigner.sign(OLD_SECRET, BODY, NOW));
        assertCode(() -> rotating.verify(BYTES, StripeSigner.sign("whsec_third", BODY, NOW)))
                .isEqualTo("signature_mismatch");
    }

    @Test
    void anyOfSeveralV1Signatures_mayMatch() {
        // Stripe sends one v1 per active secret while the endpoint's secret is being rolled
        String good = StripeSigner.signature(SECRET, BODY, NOW);
        String other = StripeSigner.signature("whsec_new_not_configured_here", BODY, NOW);

        webhook.verify(BYTES, "t=" + NOW + ",v1=" + other + ",v1=" + good);
        webhook.verify(BYTES, "t=" + NOW + ",v1=" + good + ",v1=" + other);
        webhook.verify(BYTES, "v1=" + other + ", t=" + NOW + " , v1=" + good); // order and spaces do not matter
        assertCode(() -> webhook.verify(BYTES, "t=" + NOW + ",v1=" + other + ",v1=" + other))
                .isEqualTo("signature_mismatch");
    }

    @Test
    void otherSchemes_areIgnored_evenWhenTheyWouldMatch() {
        String good = StripeSigner.signature(SECRET, BODY, NOW);

        webhook.verify(
                BYTES,
                "t=" + NOW + ",v1=" + good + ",v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39");
        assertCode(() -> webhook.verify(BYTES, "t=" + NOW + ",v0=" + good)).isEqualTo("signature_missing");
        assertCode(() -> webhook.verify(BYTES, "t=" + NOW + ",v2=" + good)).isEqualTo("signature_missing");
    }

    @Test
    void signatureInUpperCaseHex_isTheSameSignature() {
        String good = StripeSigner.signature(SECRET, BODY, NOW);

        webhook.verify(BYTES, "t=" + NOW + ",v1=" + good.toUpperCase());
    }

    @Test
    void v1ThatIsNotHexOfTheRightLength_simplyDoesNotMatch() {
        String good = StripeSigner.signature(SECRET, BODY, NOW);

        for (String bad : List.of("", "zz", good.substring(1), good + "00", good.replace(good.charAt(0), 'g'))) {
            assertCode(() -> webhook.verify(BYTES, "t=" + NOW + ",v1=" + bad)).isEqualTo("signature_mismatch");
        }
        webhook.verify(BYTES, "t=" + NOW + ",v1=zz,v1=" + good);
    }

    @Test
    void signaturesUpToTheToleranceOld_orAhead_areAccepted_andBeyondItRefused() {
        long tolerance = StripeWebhook.DEFAULT_TOLERANCE.toSeconds();
        assertThat(tolerance).isEqualTo(300);

        webhook.verify(BYTES, StripeSigner.sign(SECRET, BODY, NOW - tolerance));
        webhook.verify(BYTES, StripeSigner.sign(SECRET, BODY, NOW + tolerance));
        assertCode(() -> webhook.verify(BYTES, StripeSigner.sign(SECRET, BODY, NOW - tolerance - 1)))
                .isEqualTo("signature_expired");
        assertCode(() -> webhook.verify(BYTES, StripeSigner.sign(SECRET, BODY, NOW + tolerance + 1)))
                .isEqualTo("signature_expired");
        assertCode(() -> webhook.verify(BYTES, StripeSigner.sign(SECRET, BODY, 0)))
                .isEqualTo("signature_expired");
    }

    @Test
    void toleranceIsExact_toTheMillisecond() {
        String header = StripeSigner.sign(SECRET, BODY, NOW);
        clock.advance(Duration.ofSeconds(300));
        webhook.verify(BYTES, header);

        clock.advance(Duration.ofMillis(1));
        assertCode(() -> webhook.verify(BYTES, header)).isEqualTo("signature_expired");
    }

    @Test
    void replayingAnAcceptedWebhookLater_isRefused() {
        String header = StripeSigner.sign(SECRET, BODY, NOW);
        webhook.verify(BYTES, header);

        clock.advance(Duration.ofMinutes(6));
        BillingException e = catchBilling(() -> webhook.verify(BYTES, header));
        assertThat(e.code()).isEqualTo("signature_expired");
        assertThat(e.getMessage()).contains("2023-11-14T22:13:20Z").contains("300 s");
    }

    @Test
    void toleranceIsConfigurable() {
        StripeWebhook strict = new StripeWebhook(List.of(SECRET), Duration.ofSeconds(60), clock);

        assertThat(strict.tolerance()).isEqualTo(Duration.ofSeconds(60));
        strict.verify(BYTES, StripeSigner.sign(SECRET, BODY, NOW - 60));
        BillingException e = catchBilling(() -> strict.verify(BYTES, StripeSigner.sign(SECRET, BODY, NOW - 61)));
        assertThat(e.code()).isEqualTo("signature_expired");
        assertThat(e.getMessage()).contains("more than 60 s");

        StripeWebhook subSecond = new StripeWebhook(List.of(SECRET), Duration.ofMillis(1500), clock);
        subSecond.verify(BYTES, StripeSigner.sign(SECRET, BODY, NOW - 1));
        assertThat(catchBilling(() -> subSecond.verify(BYTES, StripeSigner.sign(SECRET, BODY, NOW - 2)))
                        .getMessage())
                .contains("more than 1500 ms");
    }

    @Test
    void wrongSignature_isReportedAsMismatch_evenWhenAlsoExpired() {
        // "expired" is only ever said of a genuine signature
        assertCode(() -> webhook.verify(BYTES, StripeSigner.sign("whsec_forged", BODY, NOW - 3600)))
                .isEqualTo("signature_mismatch");
    }

    @Test
    void absentHeader_isMissing() {
        assertCode(() -> webhook.verify(BYTES, null)).isEqualTo("signature_missing");
    }

    @Test
    void headerWithATimestampButNoV1_isMissing() {
        assertCode(() -> webhook.verify(BYTES, "t=" + NOW)).isEqualTo("signature_missing");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "   ",
                "garbage",
                "v1=abc",
                "t=,v1=abc",
                "t=abc,v1=abc",
                "t=1700000000.5,v1=abc",
                "t=-1700000000,v1=abc",
                "t=+1700000000,v1=abc",
                "t=1700000000000,v1=abc",
                "t=1700000000,t=1700000000,v1=abc",
                "t=1700000000,,v1=abc",
                "t=1700000000,v1=abc,",
                "=1700000000,v1=abc",
                ",,,",
                "t 1700000000 v1 abc",
            })
    void unreadableHeaders_areMalformed(String header) {
        assertCode(() -> webhook.verify(BYTES, header)).isEqualTo("signature_malformed");
    }

    @Test
    void hugeHeader_isMalformed_unread() {
        String header = "t=" + NOW + ",v1=" + "a".repeat(64) + ("," + "v1=" + "b".repeat(64)).repeat(200);

        assertCode(() -> webhook.verify(BYTES, header)).isEqualTo("signature_malformed");
    }

    @Test
    void messages_neverContainTheSecret_orTheExpectedSignature() {
        String expected = StripeSigner.signature(SECRET, BODY, NOW);
        String expiredExpected = StripeSigner.signature(SECRET, BODY, NOW - 999);
        List<String> headers = List.of(
                "",
                "t=x",
                "t=" + NOW,
                "t=" + NOW + ",v1=" + "0".repeat(64),
                "t=" + (NOW - 999) + ",v1=" + expiredExpected);

        for (String header : headers) {
            BillingException e = catchBilling(() -> webhook.verify(BYTES, header));
            assertThat(e.getMessage())
                    .doesNotContain(SECRET)
                    .doesNotContainIgnoringCase(expected)
                    .doesNotContainIgnoringCase(expiredExpected);
        }
    }

    @Test
    void signatureIsCheckedBeforeTheBodyIsRead() {
        byte[] notJson = "not json".getBytes(StandardCharsets.UTF_8);

        assertCode(() -> webhook.receive(notJson, StripeSigner.sign("whsec_forged", notJson, NOW)))
                .isEqualTo("signature_mismatch");
        assertCode(() -> webhook.receive(notJson, StripeSigner.sign(SECRET, notJson, NOW)))
                .isEqualTo("malformed_event");
    }

    @Test
    void configurationWithoutAUsableSecret_orTolerance_isRefused() {
        assertThatThrownBy(() -> new StripeWebhook(List.of(), clock)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new StripeWebhook(null, clock)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new StripeWebhook(List.of(SECRET, " "), clock))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new StripeWebhook(List.of(SECRET), Duration.ZERO, clock))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new StripeWebhook(List.of(SECRET), Duration.ofSeconds(-1), clock))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new StripeWebhook(List.of(SECRET), null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void theObjectDoesNotShowItsSecrets() {
        assertThat(webhook.toString()).doesNotContain(SECRET);
    }

    static BillingException catchBilling(Runnable action) {
        try {
            action.run();
        } catch (BillingException e) {
            return e;
        }
        throw new AssertionError("expected a BillingException");
    }

    static org.assertj.core.api.AbstractStringAssert<?> assertCode(Runnable action) {
        return assertThat(catchBilling(action).code());
    }
}
