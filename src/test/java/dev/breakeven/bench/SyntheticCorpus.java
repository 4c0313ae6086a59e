package dev.breakeven.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Deterministic synthetic passages (the same seed gives the same text): English sentences built
 * from a small vocabulary plus invented product names, 40 to 130 words each, under headings.
 * Passages from {@link #BASES} on are variations of passage {@code i % BASES}, about a third of
 * their words replaced, so that their synthesized vectors (the base's real vector plus noise) stay
 * plausible for their text.
 */
final class SyntheticCorpus {
    static final int BASES = 2_000;

    private static final String[] NOUNS =
            ("account plan invoice credit wallet model server answer request token budget limit quota key"
                            + " report ledger transfer payment refund price discount customer agent message channel"
                            + " document passage index vector query result cluster node queue journal event backend"
                            + " router region contract partner campaign advert creative audience budget forecast chart"
                            + " invoice receipt subscription trial upgrade downgrade password login session browser"
                            + " device phone network cable router printer scanner battery screen keyboard warehouse"
                            + " parcel courier delivery return label order basket checkout coupon voucher support"
                            + " ticket manager team office meeting calendar holiday salary contractor supplier")
                    .split(" ");
    private static final String[] VERBS = ("approves blocks cancels charges checks closes computes creates delays"
                    + " deletes delivers doubles exports imports limits lists merges moves opens pays prints"
                    + " raises refunds renews replaces reports resets restores retries schedules sends shows"
                    + " signs splits stores streams updates validates writes")
            .split(" ");
    private static final String[] ADJECTIVES = ("monthly yearly daily free paid premium basic large small slow fast"
                    + " secure public private shared local remote pending failed active expired new old"
                    + " default custom weekly urgent manual automatic regional global internal external")
            .split(" ");
    private static final String[] LINKS =
            ("before after during without within under across through for with").split(" ");
    private static final String[] SYLLABLES =
            ("ka lo mi ren tor vex zu pla quin dor sa bri mon tel ax or ul fen gri hol").split(" ");

    private final List<String> products = new ArrayList<>();

    SyntheticCorpus() {
        Random random = new Random(7);
        for (int i = 0; i < 800; i++) {
            StringBuilder name = new StringBuilder();
            int parts = 2 + random.nextInt(2);
            for (int p = 0; p < parts; p++) name.append(SYLLABLES[random.nextInt(SYLLABLES.length)]);
            products.add(name.toString());
        }
    }

    record Item(int id, String heading, String text) {}

    Item passage(int id) {
        if (id < BASES) return base(id);
        Item base = base(id % BASES);
        Random random = new Random(id * 31L + 17);
        String[] words = base.text().split(" ");
        for (int i = 0; i < words.length; i++) {
            if (random.nextInt(3) == 0 && !words[i].endsWith(".")) words[i] = word(random);
        }
        return new Item(id, base.heading() + " " + (id / BASES), String.join(" ", words));
    }

    private Item base(int id) {
        Random random = new Random(id * 7919L + 1);
        String product = products.get(random.nextInt(products.size()));
        String heading = capitalize(product) + " " + NOUNS[random.nextInt(NOUNS.length)];
        StringBuilder text = new StringBuilder();
        int sentences = 4 + random.nextInt(7);
        for (int s = 0; s < sentences; s++) {
            if (!text.isEmpty()) text.append(' ');
            text.append(sentence(random, random.nextInt(4) == 0 ? product : null));
        }
        return new Item(id, heading, text.toString());
    }

    /** A question made of some of passage {@code id}'s words. */
    String question(int id, Random random) {
        String[] words = passage(id).text().replace(".", "").split(" ");
        StringBuilder q = new StringBuilder("how does the");
        int n = 3 + random.nextInt(4);
        for (int i = 0; i < n; i++) q.append(' ').append(words[random.nextInt(words.length)].toLowerCase());
        return q.append('?').toString();
    }

    private String sentence(Random random, String product) {
        String subject = product != null ? capitalize(product) : "The " + ADJECTIVES[random.nextInt(ADJECTIVES.length)];
        return subject + " " + NOUNS[random.nextInt(NOUNS.length)] + " " + VERBS[random.nextInt(VERBS.length)]
                + " the " + ADJECTIVES[random.nextInt(ADJECTIVES.length)] + " "
                + NOUNS[random.nextInt(NOUNS.length)] + " " + LINKS[random.nextInt(LINKS.length)] + " every "
                + NOUNS[random.nextInt(NOUNS.length)] + " of the "
                + products.get(random.nextInt(products.size())) + " " + NOUNS[random.nextInt(NOUNS.length)] + ".";
    }

    private String word(Random random) {
        return switch (random.nextInt(3)) {
            case 0 -> NOUNS[random.nextInt(NOUNS.length)];
            case 1 -> ADJECTIVES[random.nextInt(ADJECTIVES.length)];
            default -> products.get(random.nextInt(products.size()));
        };
    }

    private static String capitalize(String s) {
        return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
