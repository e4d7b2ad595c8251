//! The one table model every report table is built as, and its two
//! renderings: a Markdown table for `report.md` (and `--agreement`), an HTML
//! table for `report.html`. A table is built once, so the two files cannot
//! disagree on a column or a number.

use std::fmt::Write as _;

use crate::html::esc;

/// How a column lines up: text to the left, numbers to the right.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// A column's header and alignment.
#[derive(Clone, Debug)]
pub struct Column {
    pub header: &'static str,
    pub align: Align,
}

/// Shorthand for the left-aligned column `header`.
pub fn text(header: &'static str) -> Column {
    Column {
        header,
        align: Align::Left,
    }
}

/// Shorthand for the right-aligned (numeric) column `header`.
pub fn num(header: &'static str) -> Column {
    Column {
        header,
        align: Align::Right,
    }
}

/// What a cell's text is, so each rendering can mark it up its own way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    Plain,
    /// An identifier such as an endpoint name: `code` in both renderings.
    Code,
    /// A path relative to the report directory, linked to.
    Link,
}

/// One cell: its text, its kind, and whether it carries the ⚠ flag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cell {
    pub text: String,
    pub kind: Kind,
    pub flagged: bool,
}

impl Cell {
    pub fn plain(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            kind: Kind::Plain,
            flagged: false,
        }
    }

    pub fn code(text: impl Into<String>) -> Cell {
        Cell {
            kind: Kind::Code,
            ..Cell::plain(text)
        }
    }

    pub fn link(path: impl Into<String>) -> Cell {
        Cell {
            kind: Kind::Link,
            ..Cell::plain(path)
        }
    }

    pub fn flag(mut self, flagged: bool) -> Cell {
        self.flagged = flagged;
        self
    }
}

impl<T: std::fmt::Display> From<T> for Cell {
    fn from(v: T) -> Cell {
        Cell::plain(v.to_string())
    }
}

/// A table with an optional heading (`caption`) and explanation (`note`).
#[derive(Clone, Debug)]
pub struct Table {
    pub caption: Option<String>,
    pub note: Option<String>,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    pub fn new(columns: Vec<Column>) -> Table {
        Table {
            caption: None,
            note: None,
            columns,
            rows: Vec::new(),
        }
    }

    pub fn caption(mut self, caption: impl Into<String>) -> Table {
        self.caption = Some(caption.into());
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Table {
        self.note = Some(note.into());
        self
    }

    pub fn push(&mut self, row: Vec<Cell>) {
        debug_assert_eq!(row.len(), self.columns.len(), "a cell per column");
        self.rows.push(row);
    }

    /// `## caption`, the note, then the table, each followed by a blank
    /// line except the table itself.
    pub fn markdown(&self) -> String {
        let mut o = String::new();
        if let Some(c) = &self.caption {
            let _ = writeln!(o, "## {c}\n");
        }
        if let Some(n) = &self.note {
            let _ = writeln!(o, "{n}\n");
        }
        let headers: Vec<&str> = self.columns.iter().map(|c| c.header).collect();
        let _ = writeln!(o, "| {} |", headers.join(" | "));
        let rules: Vec<&str> = self
            .columns
            .iter()
            .map(|c| match c.align {
                Align::Left => "---",
                Align::Right => "---:",
            })
            .collect();
        let _ = writeln!(o, "|{}|", rules.join("|"));
        for row in &self.rows {
            let cells: Vec<String> = row.iter().map(markdown_cell).collect();
            let _ = writeln!(o, "| {} |", cells.join(" | "));
        }
        o
    }

    /// `<h2>`, `<p>` and `<table>`, one row a line; numeric cells carry
    /// `class=n`, which the page's style aligns right.
    pub fn html(&self) -> String {
        let mut o = String::new();
        if let Some(c) = &self.caption {
            let _ = writeln!(o, "<h2>{}</h2>", esc(c));
        }
        if let Some(n) = &self.note {
            let _ = writeln!(o, "<p>{}</p>", esc(n));
        }
        o.push_str("<table><tr>");
        for c in &self.columns {
            let _ = write!(o, "<th>{}</th>", esc(c.header));
        }
        o.push_str("</tr>\n");
        for row in &self.rows {
            o.push_str("<tr>");
            for (cell, column) in row.iter().zip(&self.columns) {
                let class = match column.align {
                    Align::Left => "",
                    Align::Right => " class=n",
                };
                let _ = write!(o, "<td{class}>{}</td>", html_cell(cell));
            }
            o.push_str("</tr>\n");
        }
        o.push_str("</table>\n");
        o
    }
}

fn markdown_cell(c: &Cell) -> String {
    // A `|` would end the cell early.
    let text = c.text.replace('|', "\\|");
    let body = match c.kind {
        Kind::Plain => text,
        Kind::Code => format!("`{text}`"),
        Kind::Link => format!("[{text}]({})", c.text),
    };
    if c.flagged {
        format!("{body} ⚠")
    } else {
        body
    }
}

fn html_cell(c: &Cell) -> String {
    let text = esc(&c.text);
    let body = match c.kind {
        Kind::Plain => text,
        Kind::Code => format!("<code>{text}</code>"),
        Kind::Link => format!("<a href=\"{text}\">{text}</a>"),
    };
    if c.flagged {
        format!("{body} <span class=\"flag\">⚠</span>")
    } else {
        body
    }
}

#[cfg(test)]
mod tests {
    //! One table, both renderings.
    use super::*;

    fn sample() -> Table {
        let mut t = Table::new(vec![text("backend"), text("endpoint"), num("req/s")])
            .caption("Per endpoint")
            .note("Medians <of> reps.");
        t.push(vec![
            "sqlite".into(),
            Cell::code("GET /{code}"),
            Cell::plain("12.5").flag(true),
        ]);
        t.push(vec!["mysql".into(), Cell::link("runs/a.json"), 3.into()]);
        t
    }

    #[test]
    fn markdown_rendering() {
        assert_eq!(
            sample().markdown(),
            "## Per endpoint\n\nMedians <of> reps.\n\n\
             | backend | endpoint | req/s |\n\
             |---|---|---:|\n\
             | sqlite | `GET /{code}` | 12.5 ⚠ |\n\
             | mysql | [runs/a.json](runs/a.json) | 3 |\n"
        );
    }

    #[test]
    fn html_rendering() {
        assert_eq!(
            sample().html(),
            "<h2>Per endpoint</h2>\n<p>Medians &lt;of&gt; reps.</p>\n\
             <table><tr><th>backend</th><th>endpoint</th><th>req/s</th></tr>\n\
             <tr><td>sqlite</td><td><code>GET /{code}</code></td><td class=n>12.5 <span class=\"flag\">⚠</span></td></tr>\n\
             <tr><td>mysql</td><td><a href=\"runs/a.json\">runs/a.json</a></td><td class=n>3</td></tr>\n\
             </table>\n"
        );
    }
}
