package io.kldrift.report.page;

import static io.kldrift.report.page.Html.esc;
import static io.kldrift.report.page.Html.fmt;

import java.util.ArrayList;
import java.util.List;

/**
 * A table whose rows are plain text: every cell is escaped when written, so callers cannot forget.
 * Its columns are added in order, each with a CSS class from this package (never from data).
 */
final class Table {
  /** A column: its header and its cells' CSS class. */
  private record Col(String header, String cssClass) {}

  private final List<Col> cols = new ArrayList<>();
  private final List<String> rowClasses = new ArrayList<>();
  private final List<String[]> rows = new ArrayList<>();
  private boolean breakHeaders;

  /**
   * Opens the slices section and returns its table with the column and value columns, for the
   * layout to add its figures; null, and the section says why, when there are no slices.
   */
  static Table openSlices(StringBuilder h, boolean noSlices) {
    boolean open =
        Html.openSection(h, "slices", "Per slice", noSlices, "No slice columns are configured.");
    return open ? new Table().columns("", "Column", "Value") : null;
  }

  /** Adds columns with these headers whose cells have CSS class {@code cssClass} ("" for none). */
  Table columns(String cssClass, String... headers) {
    for (String header : headers) {
      cols.add(new Col(header, cssClass));
    }
    return this;
  }

  /**
   * Lets the headers wrap after underscores (column names such as teacher_confidence), so a table
   * of many narrow columns fits the page instead of scrolling sideways.
   */
  Table breakHeadersAtUnderscores() {
    breakHeaders = true;
    return this;
  }

  void row(String rowClass, String... cells) {
    rowClasses.add(rowClass);
    rows.add(cells);
  }

  void write(StringBuilder h, String cls) {
    h.append(fmt("<div class=\"wrap\"><table class=\"%s\">\n<thead><tr>", cls));
    for (Col c : cols) {
      String header = esc(c.header());
      h.append(
          fmt(
              "<th%s>%s</th>",
              classAttr(c.cssClass()), breakHeaders ? header.replace("_", "_<wbr>") : header));
    }
    h.append("</tr></thead>\n<tbody>\n");
    for (int i = 0; i < rows.size(); i++) {
      h.append(fmt("<tr%s>", classAttr(rowClasses.get(i))));
      String[] cells = rows.get(i);
      for (int j = 0; j < cols.size(); j++) {
        String cell = j < cells.length ? cells[j] : Values.NA;
        h.append(fmt("<td%s>%s</td>", classAttr(cols.get(j).cssClass()), esc(cell)));
      }
      h.append("</tr>\n");
    }
    h.append("</tbody></table></div>\n");
  }

  private static String classAttr(String cls) {
    return cls.isEmpty() ? "" : " class=\"" + cls + "\"";
  }
}
