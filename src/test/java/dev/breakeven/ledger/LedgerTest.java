package dev.breakeven.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.breakeven.ledger.TransferResult.Status;
import dev.breakeven.testing.TestClock;
import dev.breakeven.testing.TestDatabase;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** The ledger's rules on each engine: balances, limits, idempotency, chains and two-phase transfers. */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class LedgerTest {
    static final long T0 = 1_790_000_000_000L;

    @Parameter
    TestDatabase engine;

    @TempDir
    Path dir;

    TestDatabase.Opened opened;
    JdbiLedgerRepository repository;
    GroupCommitLedger ledger;
    final TestClock now = new TestClock(Instant.ofEpochMilli(T0));

    final LedgerAccount clearing = AccountKind.PAYMENT_CLEARING.account("stripe");
    final LedgerAccount wallet = AccountKind.USER_WALLET_PAID.account("acc_alice");
    final LedgerAccount revenue = AccountKind.REVENUE_COMPUTE.account();

    @BeforeEach
    void open() {
        opened = engine.open(dir);
        repository = new JdbiLedgerRepository(opened.db());
        ledger =
                new GroupCommitLedger(repository, now, new GroupCommitLedger.Settings(2048, 100_000, 3, Duration.ZERO));
        ledger.open(clearing);
        ledger.open(wallet);
        ledger.open(revenue);
    }

    @AfterEach
    void close() {
        if (ledger != null) ledger.close();
        if (opened != null) opened.close();
    }

    Transfer topUp(String id, long amount) {
        return Transfer.posted(id, clearing.id(), wallet.id(), amount, "topup", "pay_" + id, T0);
    }

    Transfer spend(String id, long amount) {
        return Transfer.posted(id, wallet.id(), revenue.id(), amount, "usage", "evt_" + id, T0);
    }

    long available() {
        return ledger.balance(wallet.id()).orElseThrow().available();
    }

    @Test
    void transfer_movesTheAmount_fromTheDebitToTheCreditAccount() {
        assertThat(ledger.submit(List.of(topUp("t1", 5_000_000))).get(0).status())
                .isEqualTo(Status.CREATED);

        Balance w = ledger.balance(wallet.id()).orElseThrow();
        Balance c = ledger.balance(clearing.id()).orElseThrow();
        assertThat(w.creditsPosted()).isEqualTo(5_000_000);
        assertThat(w.creditBalance()).isEqualTo(5_000_000);
        assertThat(c.debitsPosted()).isEqualTo(5_000_000);
        StoredTransfer stored = ledger.transfer("t1").orElseThrow();
        assertThat(stored.transfer()).isEqualTo(topUp("t1", 5_000_000));
        assertThat(stored.recordedAt()).isEqualTo(T0);
    }

    @Test
    void wallet_neverGoesBelowZero_andARefusedTransferChangesNothing() {
        ledger.submit(List.of(topUp("t1", 1_000)));

        TransferResult r = ledger.submit(List.of(spend("s1", 1_001))).get(0);

        assertThat(r.status()).isEqualTo(Status.REFUSED);
        assertThat(r.code()).isEqualTo("exceeds_credits");
        assertThat(ledger.transfer("s1")).isEmpty();
        assertThat(available()).isEqualTo(1_000);
        assertThat(ledger.submit(List.of(spend("s2", 1_000))).get(0).status()).isEqualTo(Status.CREATED);
        assertThat(available()).isZero();
    }

    @Test
    void sameId_sameContent_returnsTheFirstResult_andDifferentContentIsRefused() {
        ledger.submit(List.of(topUp("t1", 700)));

        assertThat(ledger.submit(List.of(topUp("t1", 700))).get(0).status()).isEqualTo(Status.EXISTS);
        TransferResult changed = ledger.submit(List.of(topUp("t1", 701))).get(0);

        assertThat(changed.code()).isEqualTo("exists_with_different_content");
        assertThat(ledger.balance(wallet.id()).orElseThrow().creditsPosted()).isEqualTo(700);
    }

    @Test
    void linkedChain_isAppliedWhole_orNotAtAll() {
        ledger.submit(List.of(topUp("t1", 100)));
        LedgerAccount granted = ledger.open(AccountKind.USER_WALLET_GRANTED.account("acc_alice"));

        List<TransferResult> results = ledger.submit(
                List.of(spend("s1", 60), Transfer.posted("s2", granted.id(), revenue.id(), 1, "usage", null, T0)));

        assertThat(results)
                .extracting(TransferResult::code)
                .containsExactly("linked_transfer_failed", "exceeds_credits");
        assertThat(ledger.transfer("s1")).isEmpty();
        assertThat(available()).isEqualTo(100);

        List<TransferResult> ok = ledger.submit(List.of(spend("s3", 60), spend("s4", 40)));
        assertThat(ok).allMatch(TransferResult::ok);
        assertThat(available()).isZero();
        assertThat(ledger.transfer("s4").orElseThrow().chainId()).isEqualTo("s3");
    }

    @Test
    void pendingTransfer_reserves_andPostingPartOfItReleasesTheRest() {
        ledger.submit(List.of(topUp("t1", 1_000)));
        ledger.submitOrThrow(List.of(
                Transfer.pending("r1", wallet.id(), revenue.id(), 800, "reservation", "evt_1", T0, T0 + 60_000)));

        assertThat(available()).isEqualTo(200);
        assertThat(ledger.submit(List.of(spend("s1", 201))).get(0).code()).isEqualTo("exceeds_credits");

        ledger.submitOrThrow(List.of(Transfer.post("p1", "r1", 300, "usage", "evt_1", T0)));

        Balance w = ledger.balance(wallet.id()).orElseThrow();
        assertThat(w.debitsPending()).isZero();
        assertThat(w.debitsPosted()).isEqualTo(300);
        assertThat(w.available()).isEqualTo(700);
        assertThat(ledger.balance(revenue.id()).orElseThrow().creditsPosted()).isEqualTo(300);
        assertThat(ledger.transfer("p1").orElseThrow().transfer().debitAccount())
                .isEqualTo(wallet.id());
    }

    @Test
    void pendingTransfer_resolvesExactlyOnce() {
        ledger.submit(List.of(topUp("t1", 1_000)));
        ledger.submitOrThrow(
                List.of(Transfer.pending("r1", wallet.id(), revenue.id(), 500, "reservation", null, T0, 0)));
        ledger.submitOrThrow(List.of(Transfer.post("p1", "r1", 500, "usage", null, T0)));

        assertThat(ledger.submit(List.of(Transfer.post("p2", "r1", 1, "usage", null, T0)))
                        .get(0)
                        .code())
                .isEqualTo("pending_already_posted");
        assertThat(ledger.submit(List.of(Transfer.voiding("v1", "r1", "void", null, T0)))
                        .get(0)
                        .code())
                .isEqualTo("pending_already_posted");
        assertThat(ledger.submit(List.of(Transfer.post("p1", "r1", 500, "usage", null, T0)))
                        .get(0)
                        .status())
                .isEqualTo(Status.EXISTS);
        assertThat(ledger.balance(wallet.id()).orElseThrow().debitsPosted()).isEqualTo(500);
    }

    @Test
    void voidingAPendingTransfer_releasesAllOfIt() {
        ledger.submit(List.of(topUp("t1", 1_000)));
        ledger.submitOrThrow(
                List.of(Transfer.pending("r1", wallet.id(), revenue.id(), 900, "reservation", null, T0, 0)));

        ledger.submitOrThrow(List.of(Transfer.voiding("v1", "r1", "void", null, T0)));

        assertThat(available()).isEqualTo(1_000);
        assertThat(ledger.transfer("v1").orElseThrow().transfer().amount()).isEqualTo(900);
        assertThat(ledger.submit(List.of(Transfer.post("p1", "r1", 1, "usage", null, T0)))
                        .get(0)
                        .code())
                .isEqualTo("pending_already_voided");
    }

    @Test
    void postingMoreThanWasReserved_isRefused() {
        ledger.submit(List.of(topUp("t1", 1_000)));
        ledger.submitOrThrow(
                List.of(Transfer.pending("r1", wallet.id(), revenue.id(), 100, "reservation", null, T0, 0)));

        assertThat(ledger.submit(List.of(Transfer.post("p1", "r1", 101, "usage", null, T0)))
                        .get(0)
                        .code())
                .isEqualTo("exceeds_pending_amount");
        assertThat(ledger.submit(List.of(Transfer.post("p2", "nope", 1, "usage", null, T0)))
                        .get(0)
                        .code())
                .isEqualTo("pending_not_found");
    }

    @Test
    void pendingTransfer_timesOut_cannotBePostedAfterwards_andIsVoidedByTheSweep() {
        ledger.submit(List.of(topUp("t1", 1_000)));
        ledger.submitOrThrow(
                List.of(Transfer.pending("r1", wallet.id(), revenue.id(), 400, "reservation", null, T0, T0 + 1_000)));
        now.set(T0 + 1_000);

        assertThat(ledger.submit(List.of(Transfer.post("p1", "r1", 400, "usage", null, T0)))
                        .get(0)
                        .code())
                .isEqualTo("pending_expired");
        assertThat(available()).isEqualTo(600);

        assertThat(ledger.expirePending(now.millis())).isEqualTo(1);
        assertThat(ledger.expirePending(now.millis())).isZero();
        assertThat(available()).isEqualTo(1_000);
        assertThat(ledger.transfer("expire:r1").orElseThrow().transfer().phase())
                .isEqualTo(Transfer.Phase.VOID);
    }

    @Test
    void unknownAccounts_sameAccount_andBadAmounts_areRefused() {
        assertThat(ledger.submit(List.of(
                                Transfer.posted("x1", "wallet:nobody:paid", revenue.id(), 1, "usage", null, T0)))
                        .get(0)
                        .code())
                .isEqualTo("account_not_found");
        assertThat(ledger.submit(List.of(Transfer.posted("x2", revenue.id(), revenue.id(), 1, "usage", null, T0)))
                        .get(0)
                        .code())
                .isEqualTo("accounts_must_differ");
        assertThat(ledger.submit(List.of(Transfer.posted("x3", clearing.id(), revenue.id(), 0, "usage", null, T0)))
                        .get(0)
                        .code())
                .isEqualTo("invalid_transfer");
        assertThat(ledger.submit(List.of(Transfer.posted("x4\0", clearing.id(), revenue.id(), 5, "usage", null, T0)))
                        .get(0)
                        .code())
                .isEqualTo("invalid_transfer");
        assertThat(ledger.submit(List.of(
                                Transfer.posted("x5", clearing.id(), revenue.id(), Long.MAX_VALUE, "usage", null, T0)))
                        .get(0)
                        .status())
                .isEqualTo(Status.CREATED);
        assertThat(ledger.submit(List.of(Transfer.posted("x6", clearing.id(), revenue.id(), 1, "usage", null, T0)))
                        .get(0)
                        .code())
                .isEqualTo("overflow");
        assertThat(new LedgerAudit(repository).check()).isEmpty();
    }

    @Test
    void openingAnAccount_isIdempotent_butAnIdOfAnotherKindIsRefused() {
        assertThat(ledger.open(wallet)).isEqualTo(wallet);
        GroupCommitLedger other = new GroupCommitLedger(repository, Clock.systemUTC());
        try {
            assertThatThrownBy(() -> other.open(new LedgerAccount(wallet.id(), AccountKind.REVENUE_ADS, null)))
                    .isInstanceOfSatisfying(LedgerException.class, e -> assertThat(e.code())
                            .isEqualTo("account_exists_with_different_content"));
        } finally {
            other.close();
        }
    }

    @Test
    void pastBalance_isRecomputedFromTheTransfersThatOccurredBeforeIt() {
        ledger.submit(List.of(Transfer.posted("a", clearing.id(), wallet.id(), 10, "topup", null, T0)));
        ledger.submit(List.of(Transfer.posted("b", clearing.id(), wallet.id(), 20, "topup", null, T0 + 100)));
        ledger.submit(List.of(Transfer.posted("c", wallet.id(), revenue.id(), 5, "usage", null, T0 + 200)));

        assertThat(ledger.balanceAt(wallet.id(), T0).creditBalance()).isZero();
        assertThat(ledger.balanceAt(wallet.id(), T0 + 101).creditBalance()).isEqualTo(30);
        assertThat(ledger.balanceAt(wallet.id(), T0 + 201).creditBalance()).isEqualTo(25);
        assertThat(ledger.transfers(TransferQuery.ofAccount(wallet.id())))
                .extracting(StoredTransfer::id)
                .containsExactly("a", "b", "c");
        assertThat(ledger.transfers(TransferQuery.ofOwner("acc_alice", T0 + 50, T0 + 150)))
                .extracting(StoredTransfer::id)
                .containsExactly("b");
    }

    @Test
    void audit_findsATamperedBalance() {
        ledger.submit(List.of(topUp("t1", 1_000)));
        opened.db()
                .jdbi()
                .useHandle(h -> h.execute("UPDATE ledger_accounts SET credits_posted = 999 WHERE id = ?", wallet.id()));

        List<Violation> found = new LedgerAudit(repository).check();

        assertThat(found).extracting(Violation::code).contains("balance_mismatch", "unbalanced");
        assertThat(found.get(0).message()).contains(wallet.id());
    }
}
