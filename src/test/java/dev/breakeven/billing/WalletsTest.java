package dev.breakeven.billing;

import static dev.breakeven.billing.BillingStack.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.breakeven.testing.TestDatabase;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** Wallets on each engine: grants, top-ups, reservations, and no overspending under concurrency. */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class WalletsTest {
    @Parameter
    TestDatabase engine;

    @TempDir
    Path dir;

    BillingStack s;

    @BeforeEach
    void open() {
        s = new BillingStack(engine, dir);
    }

    @AfterEach
    void close() {
        s.close();
    }

    @Test
    void grantsAndTopUps_areKeptApart_andEachIsCreditedOnce() {
        assertThat(s.wallets.grant("acc_a", 2_000_000, "welcome", "welcome credit", T0))
                .isTrue();
        assertThat(s.wallets.grant("acc_a", 2_000_000, "welcome", "welcome credit", T0))
                .isFalse();
        assertThat(s.wallets.topUp("acc_a", 10_000_000, "stripe", "evt_1", T0)).isTrue();
        assertThat(s.wallets.topUp("acc_a", 10_000_000, "stripe", "evt_1", T0)).isFalse();

        WalletBalance w = s.wallets.balance("acc_a");
        assertThat(w.granted()).isEqualTo(2_000_000);
        assertThat(w.paid()).isEqualTo(10_000_000);
        assertThatThrownBy(() -> s.wallets.topUp("acc_a", 1, "stripe", "evt_1", T0))
                .isInstanceOfSatisfying(
                        BillingException.class, e -> assertThat(e.code()).isEqualTo("grant_conflict"));
        assertThatThrownBy(() -> s.wallets.grant("acc_a", 0, "g0", null, T0))
                .isInstanceOfSatisfying(
                        BillingException.class, e -> assertThat(e.code()).isEqualTo("invalid_amount"));
    }

    @Test
    void reservation_takesGrantedCreditsFirst_andIsRefusedBeyondWhatIsAvailable() {
        s.wallets.grant("acc_a", 300, "g", null, T0);
        s.wallets.topUp("acc_a", 700, "stripe", "evt_1", T0);

        s.wallets.reserve("t1", "acc_a", 500, T0, T0 + 60_000);

        assertThat(s.ledger.transfer("rsv:t1:g").orElseThrow().transfer().amount())
                .isEqualTo(300);
        assertThat(s.ledger.transfer("rsv:t1:p").orElseThrow().transfer().amount())
                .isEqualTo(200);
        assertThat(s.wallets.balance("acc_a").available()).isEqualTo(500);
        assertThatThrownBy(() -> s.wallets.reserve("t2", "acc_a", 501, T0, T0 + 60_000))
                .isInstanceOfSatisfying(BillingException.class, e -> {
                    assertThat(e.code()).isEqualTo("insufficient_funds");
                    assertThat(e.getMessage()).contains("0.000501").contains("0.0005 ");
                });
    }

    @Test
    void parallelReservations_neverSpendMoreThanTheWalletHolds() throws Exception {
        int requests = 40;
        long each = 1_000;
        s.wallets.topUp("acc_a", 15 * each + 500, "stripe", "evt_1", T0); // funds 15 of 40
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<Boolean>> outcomes = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            String turn = "t" + i;
            Callable<Boolean> reserve = () -> {
                try {
                    s.wallets.reserve(turn, "acc_a", each, T0, T0 + 60_000);
                    return true;
                } catch (BillingException e) {
                    return false;
                }
            };
            outcomes.add(pool.submit(reserve));
        }
        int admitted = 0;
        for (Future<Boolean> f : outcomes) if (f.get()) admitted++;
        pool.shutdown();

        assertThat(admitted).isEqualTo(15);
        WalletBalance w = s.wallets.balance("acc_a");
        assertThat(w.reserved()).isEqualTo(15 * each);
        assertThat(w.available()).isEqualTo(500);
        assertThat(s.audit()).isEmpty();
    }
}
