package dev.breakeven.knowledge;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.jsoup.nodes.Node;
import org.jsoup.nodes.TextNode;
import org.jsoup.select.NodeFilter;

/**
 * An HTML page into paragraphs under its headings: the {@code <title>} is the top of every heading
 * path, then {@code h1}–{@code h6}. Scripts, styles, navigation, forms and other page furniture are
 * left out. Offsets count characters of the text extracted (paragraphs joined by blank lines), not
 * of the HTML source.
 */
final class HtmlParser implements NodeFilter {
    private static final Set<String> DROPPED = Set.of(
            "script", "style", "noscript", "template", "nav", "svg", "iframe", "form", "button", "select", "head");
    private static final Set<String> BLOCKS = Set.of(
            "p",
            "div",
            "li",
            "ul",
            "ol",
            "dl",
            "dt",
            "dd",
            "blockquote",
            "table",
            "thead",
            "tbody",
            "tfoot",
            "tr",
            "td",
            "th",
            "section",
            "article",
            "main",
            "header",
            "footer",
            "aside",
            "figure",
            "figcaption",
            "caption",
            "details",
            "summary",
            "address",
            "hr",
            "br",
            "body");

    private final Headings headings = new Headings();
    private final List<Paragraph> out = new ArrayList<>();
    private final StringBuilder text = new StringBuilder();
    private int offset;

    static List<Paragraph> parse(String html) {
        Document page = Jsoup.parse(html);
        HtmlParser parser = new HtmlParser();
        String title = page.title();
        if (!title.isBlank()) parser.headings.set(0, title);
        page.body().filter(parser);
        parser.flush();
        return parser.out;
    }

    @Override
    public FilterResult head(Node node, int depth) {
        if (node instanceof TextNode t) {
            text.append(t.getWholeText());
            return FilterResult.CONTINUE;
        }
        if (!(node instanceof Element e)) return FilterResult.CONTINUE;
        String tag = e.normalName();
        if (DROPPED.contains(tag) || e.hasAttr("hidden") || "true".equals(e.attr("aria-hidden")))
            return FilterResult.SKIP_ENTIRELY;
        if (tag.length() == 2 && tag.charAt(0) == 'h' && tag.charAt(1) >= '1' && tag.charAt(1) <= '6') {
            flush();
            headings.set(tag.charAt(1) - '0', e.text());
            return FilterResult.SKIP_ENTIRELY;
        }
        if (tag.equals("pre")) {
            flush();
            add(e.wholeText().strip(), true);
            return FilterResult.SKIP_ENTIRELY;
        }
        if (BLOCKS.contains(tag)) flush();
        return FilterResult.CONTINUE;
    }

    @Override
    public FilterResult tail(Node node, int depth) {
        if (node instanceof Element e && BLOCKS.contains(e.normalName())) flush();
        return FilterResult.CONTINUE;
    }

    private void flush() {
        add(text.toString().replaceAll("\\s+", " ").strip(), false);
        text.setLength(0);
    }

    private void add(String paragraph, boolean preformatted) {
        if (paragraph.isEmpty()) return;
        out.add(new Paragraph(headings.section(), headings.path(), paragraph, offset, preformatted));
        offset += paragraph.length() + 2;
    }
}
