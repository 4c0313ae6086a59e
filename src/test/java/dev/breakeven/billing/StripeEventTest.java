package dev.breakeven.billing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breakeven.billing.CheckoutCompleted.PaymentStatus;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** How a verified Stripe webhook body reads as a {@link StripeEvent}. */
class StripeEventTest {

    /** A checkout.session.completed event as Stripe sends it (API version 2025-03-31), trimmed of nothing we rely on. */
    static final String CHECKOUT = """
            {
              "id": "evt_1QxYz2AbCdEfGhIj",
              "object": "event",
              "api_version": "2025-03-31.basil",
              "created": 1767225600,
              "data": {
                "object": {
                  "id": "cs_test_a1B2c3D4",
                  "object": "checkout.session",
                  "amount_subtotal": 2500,
                  "amount_total": 2500,
                  "client_reference_id": "acct_01JH5Q3",
                  "currency": "usd",
                  "customer": "cus_R1a2b3",
                  "customer_details": {"email": "alice@example.com", "name": "Alice", "tax_exempt": "none"},
                  "customer_email": null,
                  "livemode": true,
                  "metadata": {"breakeven_account": "acct_from_metadata"},
                  "mode": "payment",
                  "payment_intent": "pi_3Q",
                  "payment_status": "paid",
                  "status": "complete",
                  "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0}
                }
              },
              "livemode": true,
              "pending_webhooks": 1,
              "request": {"id": null, "idempotency_key": null},
              "type": "checkout.session.completed"
            }
            """;

    @Test
    void paidCheckout_creditsItsAmount_toTheAccount() {
        StripeEvent event = parse(CHECKOUT);

        assertThat(event)
                .isEqualTo(new CheckoutCompleted(
                        "evt_1QxYz2AbCdEfGhIj",
                        1_767_225_600_000L,
                        true,
                        "cs_test_a1B2c3D4",
                        "acct_01JH5Q3",
                        25_000_000L,
                        "USD",
                        PaymentStatus.PAID,
                        "alice@example.com",
                        null));
        CheckoutCompleted checkout = (CheckoutCompleted) event;
        assertThat(checkout.type()).isEqualTo("checkout.session.completed");
        assertThat(checkout.creditMicros()).isEqualTo(25_000_000L);
    }

    @ParameterizedTest
    @CsvSource({"unpaid, UNPAID", "no_payment_required, NO_PAYMENT_REQUIRED"})
    void checkoutNotPaid_isRead_butCreditsNothing(String wire, PaymentStatus status) {
        CheckoutCompleted checkout = checkout(CHECKOUT.replace("\"paid\"", "\"" + wire + "\""));

        assertThat(checkout.paymentStatus()).isEqualTo(status);
        assertThat(checkout.paymentStatus().wireName()).isEqualTo(wire);
        assertThat(checkout.amountMicros()).isEqualTo(25_000_000L);
        assertThat(checkout.creditMicros()).isZero();
    }

    @Test
    void unknownPaymentStatus_isRefused() {
        assertMalformed(CHECKOUT.replace("\"paid\"", "\"partially_paid\""), "data.object.payment_status");
        assertMalformed(CHECKOUT.replace("\"paid\"", "\"PAID\""), "data.object.payment_status");
        assertMalformed(CHECKOUT.replace("\"payment_status\": \"paid\"", "\"payment_status\": true"), "payment_status");
    }

    @Test
    void accountComesFromClientReferenceId_elseFromMetadata() {
        assertThat(checkout(CHECKOUT.replace("\"acct_01JH5Q3\"", "null")).accountId())
                .isEqualTo("acct_from_metadata");
        assertThat(checkout(CHECKOUT.replace("\"acct_01JH5Q3\"", "\"  \"")).accountId())
                .isEqualTo("acct_from_metadata");
        assertThat(checkout(CHECKOUT.replace("\"client_reference_id\": \"acct_01JH5Q3\",", ""))
                        .accountId())
                .isEqualTo("acct_from_metadata");
    }

    @Test
    void checkoutWithoutAnAccount_isRefused_namingBothFields() {
        String noReference = CHECKOUT.replace("\"acct_01JH5Q3\"", "null");

        assertMalformed(
                noReference.replace("\"breakeven_account\": \"acct_from_metadata\"", "\"other\": \"x\""),
                "client_reference_id",
                "metadata.breakeven_account");
        assertMalformed(
                noReference.replace("{\"breakeven_account\": \"acct_from_metadata\"}", "null"),
                "client_reference_id",
                "metadata.breakeven_account");
        assertMalformed(
                noReference.replace("{\"breakeven_account\": \"acct_from_metadata\"}", "{}"), "client_reference_id");
    }

    @Test
    void accountFieldsOfTheWrongType_areRefused() {
        assertMalformed(CHECKOUT.replace("\"acct_01JH5Q3\"", "42"), "data.object.client_reference_id");
        assertMalformed(
                CHECKOUT.replace("\"acct_01JH5Q3\"", "null").replace("\"acct_from_metadata\"", "[]"),
                "data.object.metadata.breakeven_account");
        assertMalformed(
                CHECKOUT.replace("\"acct_01JH5Q3\"", "null")
                        .replace("{\"breakeven_account\": \"acct_from_metadata\"}", "\"acct_x\""),
                "data.object.metadata");
    }

    @Test
    void customerEmail_fromCustomerDetails_elseFromCustomerEmail_elseNone() {
        String noDetails = CHECKOUT.replace(
                "{\"email\": \"alice@example.com\", \"name\": \"Alice\", \"tax_exempt\": \"none\"}", "null");

        assertThat(checkout(noDetails).customerEmail()).isNull();
        assertThat(checkout(noDetails.replace("\"customer_email\": null", "\"customer_email\": \"bob@example.com\""))
                        .customerEmail())
                .isEqualTo("bob@example.com");
        assertThat(checkout(CHECKOUT.replace("\"customer_email\": null", "\"customer_email\": \"bob@example.com\""))
                        .customerEmail())
                .isEqualTo("alice@example.com");
        assertMalformed(CHECKOUT.replace("\"alice@example.com\"", "1"), "data.object.customer_details.email");
    }

    @ParameterizedTest
    @CsvSource({
        "0, 0",
        "1, 10000",
        "2500, 25000000",
        "99999999, 999999990000",
        // the largest amount whose micros fit in a long
        "922337203685477, 9223372036854770000",
    })
    void amountTotal_inCents_becomesMicros(String cents, long micros) {
        assertThat(checkout(withAmount(cents)).amountMicros()).isEqualTo(micros);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "-1 | must not be negative",
                "25.5 | must be a whole number",
                "2.5e3 | must be a whole number",
                "\"2500\" | must be a whole number",
                "null | is missing",
                "922337203685478 | is too large",
                "9223372036854775807 | is too large",
                "92233720368547758070 | is too large",
            })
    void amountTotal_thatIsNotACountOfCents_isRefused(String amount, String problem) {
        assertMalformed(withAmount(amount), "data.object.amount_total " + problem);
    }

    @Test
    void currencyOtherThanUsd_isUnsupported() {
        BillingException e = refusal(CHECKOUT.replace("\"usd\"", "\"eur\""));

        assertThat(e.code()).isEqualTo("unsupported_currency");
        assertThat(e.getMessage()).contains("EUR").contains("USD");
        assertThat(checkout(CHECKOUT.replace("\"usd\"", "\"USD\"")).currency()).isEqualTo("USD");
        assertMalformed(CHECKOUT.replace("\"currency\": \"usd\",", ""), "data.object.currency is missing");
        assertMalformed(CHECKOUT.replace("\"usd\"", "840"), "data.object.currency must be a string");
    }

    @Test
    void checkoutWithoutItsSession_isRefused() {
        assertMalformed(CHECKOUT.replace("\"cs_test_a1B2c3D4\"", "null"), "data.object.id is missing");
        assertMalformed("""
                {"id":"evt_1","type":"checkout.session.completed","created":1,"livemode":false}""", "data is missing");
        assertMalformed("""
                {"id":"evt_1","type":"checkout.session.completed","created":1,"livemode":false,"data":{"object":[]}}""", "data.object must be an object");
    }

    @Test
    void otherEventTypes_readAsOther_withTheirEnvelopeOnly() {
        StripeEvent event = parse("""
                {"id":"evt_2","object":"event","type":"customer.created","created":1767225601,"livemode":false,
                 "data":{"object":{"amount_total":"whatever","currency":"eur"}}}""");

        assertThat(event).isEqualTo(new StripeEvent.Other("evt_2", "customer.created", 1_767_225_601_000L, false));
    }

    @Test
    void envelopeFields_areRequired_withTheirTypes() {
        String ok = "{\"id\":\"evt_3\",\"type\":\"ping\",\"created\":1,\"livemode\":false}";
        assertThat(parse(ok)).isInstanceOf(StripeEvent.Other.class);

        assertMalformed(ok.replace("\"id\":\"evt_3\",", ""), "id is missing");
        assertMalformed(ok.replace("\"evt_3\"", "\"\""), "id is missing");
        assertMalformed(ok.replace("\"evt_3\"", "3"), "id must be a string");
        assertMalformed(ok.replace("\"type\":\"ping\",", ""), "type is missing");
        assertMalformed(ok.replace("\"ping\"", "{}"), "type must be a string");
        assertMalformed(ok.replace("\"created\":1,", ""), "created is missing");
        assertMalformed(ok.replace("\"created\":1", "\"created\":\"1\""), "created must be a whole number");
        assertMalformed(ok.replace("\"created\":1", "\"created\":-1"), "created must not be negative");
        assertMalformed(ok.replace("\"created\":1", "\"created\":9223372036854776"), "created is out of range");
        assertMalformed(ok.replace(",\"livemode\":false", ""), "livemode is missing");
        assertMalformed(ok.replace("false", "\"false\""), "livemode must be true or false");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "not json",
                "[]",
                "\"evt_1\"",
                "null",
                "{\"id\":\"evt_1\"",
                "{\"id\":\"evt_1\",\"type\":\"ping\",\"created\":1,\"livemode\":false} {}",
                "{\"id\":\"evt_1\",\"id\":\"evt_2\",\"type\":\"ping\",\"created\":1,\"livemode\":false}",
            })
    void bodiesThatAreNotOneJsonObject_areMalformed(String body) {
        assertThat(refusal(body).code()).isEqualTo("malformed_event");
    }

    @Test
    void duplicateKeys_areRefused_soNoTwoReadersCanDisagree() {
        String twoAccounts = CHECKOUT.replace(
                "\"client_reference_id\": \"acct_01JH5Q3\",",
                "\"client_reference_id\": \"acct_01JH5Q3\", \"client_reference_id\": \"acct_attacker\",");

        assertThat(refusal(twoAccounts).getMessage()).contains("client_reference_id");
    }

    static String withAmount(String amount) {
        return CHECKOUT.replace("\"amount_total\": 2500", "\"amount_total\": " + amount);
    }

    static StripeEvent parse(String body) {
        return StripeEvent.parse(body.getBytes(StandardCharsets.UTF_8));
    }

    static CheckoutCompleted checkout(String body) {
        return (CheckoutCompleted) parse(body);
    }

    static BillingException refusal(String body) {
        try {
            parse(body);
        } catch (BillingException e) {
            return e;
        }
        throw new AssertionError("expected a BillingException for " + body);
    }

    static void assertMalformed(String body, String... mentions) {
        BillingException e = refusal(body);
        assertThat(e.code()).isEqualTo("malformed_event");
        for (String mention : mentions) assertThat(e.getMessage()).contains(mention);
    }
}
