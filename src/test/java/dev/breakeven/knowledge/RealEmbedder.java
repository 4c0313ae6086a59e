package dev.breakeven.knowledge;

/** The real all-MiniLM-L6-v2 model, loaded once for every test of a run (about 3 to 7 s). */
public final class RealEmbedder {
    private static final MiniLmEmbedder MODEL = new MiniLmEmbedder();

    private RealEmbedder() {}

    public static MiniLmEmbedder get() {
        return MODEL.load();
    }
}
